// Chooses the kernels an op runs: the device picks the backend, and on the CPU a
// process-wide switch picks oneDNN (default where built) or the reference.
#include <atomic>

#include "tensor/kernels.h"

#ifdef CHASE_WITH_DNNL
#include "tensor/cpu/dnnl/dnnl_kernels.h"
#endif

#ifdef CHASE_WITH_CUDA
#include "tensor/cuda/cuda_backend.h"
#endif

namespace chase {
namespace {

Kernels* cuda_kernels = nullptr;

std::atomic<CpuBackend>& selected_cpu_backend() {
  static std::atomic<CpuBackend> backend{dnnl_available() ? CpuBackend::dnnl
                                                          : CpuBackend::reference};
  return backend;
}

}  // namespace

bool dnnl_available() {
#ifdef CHASE_WITH_DNNL
  return true;
#else
  return false;
#endif
}

CpuBackend cpu_backend() { return selected_cpu_backend().load(); }

void set_cpu_backend(CpuBackend backend) {
  CHASE_CHECK(backend == CpuBackend::reference || dnnl_available(),
              "set_cpu_backend: this build of chase has no oneDNN backend");
  selected_cpu_backend().store(backend);
}

void register_cuda_kernels(Kernels* kernels) { cuda_kernels = kernels; }

#ifdef CHASE_WITH_CUDA
namespace {
// Installs the CUDA backend at start-up. Being called from here, an object
// every program links, keeps the backend in static links.
[[maybe_unused]] const bool cuda_backend_registered = (cuda::register_backend(), true);
}  // namespace
#endif

Kernels& kernels_for(Device device) {
  if (device.is_cuda()) {
    CHASE_CHECK(cuda_kernels != nullptr,
                "device {}: this build of chase has no CUDA backend (configure with "
                "-Dcuda=enabled on a machine with nvcc)",
                device.str());
    return *cuda_kernels;
  }
#ifdef CHASE_WITH_DNNL
  if (cpu_backend() == CpuBackend::dnnl) return dnnl_kernels();
#endif
  return reference_kernels();
}

}  // namespace chase
