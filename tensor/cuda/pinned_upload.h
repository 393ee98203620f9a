// Host-to-GPU uploads through page-locked (pinned) host memory, for the data
// loader. From ordinary pageable memory the driver first copies the bytes into
// its own pinned staging buffer while the host waits; from pinned memory the
// GPU's copy engine reads them directly and the host returns at once, so the
// next batch can be prepared while this one travels.
//
// An uploader owns two pinned buffers and alternates between them: a batch is
// packed into one while the other may still be in flight. The upload is
// queued on the device's stream, so the kernels that read the returned
// tensor run after it arrives. Pinned memory is allocated portable: any GPU's
// copy engine may read it. Plain C++ header: callers need no CUDA headers.
#pragma once

#include <array>
#include <cstddef>

#include "tensor/tensor.h"

namespace chase::cuda {

class PinnedUploader {
 public:
  explicit PinnedUploader(Device device);  // a CUDA device
  ~PinnedUploader();  // waits for its uploads, then frees the pinned memory
  PinnedUploader(const PinnedUploader&) = delete;
  PinnedUploader& operator=(const PinnedUploader&) = delete;

  // A new tensor on the device with host's values (host: a CPU tensor, any strides).
  // Returns once the values are in pinned memory; the transfer itself is asynchronous.
  Tensor upload(const Tensor& host);

 private:
  struct Buffer {
    void* data = nullptr;  // pinned host memory
    std::size_t bytes = 0;
    void* done = nullptr;  // cudaEvent_t recorded after the buffer's last upload
  };
  // Waits until `buffer`'s last upload has left it, so that it can be refilled.
  void wait_until_free(Buffer& buffer);
  void reserve(Buffer& buffer, std::size_t bytes);

  Device device_;
  std::array<Buffer, 2> buffers_;
  std::size_t next_ = 0;
};

}  // namespace chase::cuda
