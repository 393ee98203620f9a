// CHASE_HOST_DEVICE marks a function written once for both devices: under
// nvcc it is compiled for the host and the GPU, elsewhere it is a plain
// function (tensor/philox.h, tensor/scalar_math.h).
#pragma once

#ifdef __CUDACC__
#define CHASE_HOST_DEVICE __host__ __device__
#else
#define CHASE_HOST_DEVICE
#endif
