// The CUDA backend's public face, in plain C++ (no CUDA headers needed):
// whether a GPU is usable, the explicit synchronisation point, and memory
// statistics. Present only in builds with CHASE_WITH_CUDA.
#pragma once

#include <cstdint>
#include <string>

namespace chase::cuda {

// Installs the CUDA kernels and the caching allocators (kernels_for and
// allocator_for then serve Device::cuda(i) for every usable GPU i).
// Idempotent and free of CUDA calls, so it runs on machines without a GPU.
// tensor/dispatch.cpp calls it during static initialisation: a call from an
// object every program links keeps the backend in static links, where an
// unreferenced registration object would be dropped by the linker.
void register_backend();

// Usable GPUs, cuda:0 .. cuda:N-1: 0 when there is none or no driver,
// without throwing.
int device_count();
// Why device_count() is 0 (the runtime's error), or empty when it is not.
std::string unavailable_reason();

// Blocks until all queued GPU work, on every GPU this process used, has
// finished (timings, handing results to other libraries). Copies to the host
// synchronise by themselves.
void synchronize();

struct DeviceMemoryStats {
  std::int64_t device_allocations = 0;  // cudaMalloc calls so far
  std::int64_t reserved_bytes = 0;      // held from the driver: in use plus cached
};
DeviceMemoryStats device_memory_stats(int device = 0);

}  // namespace chase::cuda
