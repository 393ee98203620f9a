// Tensor geometry: views share memory and never copy; copies convert dtypes.
#include "tensor/tensor.h"

#include "tensor/allocator.h"
#include "tests/test_util.h"

using namespace chase;

TEST_CASE("a new tensor is contiguous with row-major strides") {
  auto t = Tensor::empty({2, 3, 4});
  CHECK(t.strides() == Shape{12, 4, 1});
  CHECK(t.is_contiguous());
  CHECK(t.numel() == 24);
  CHECK(t.size(-1) == 4);
}

TEST_CASE("from_vector round-trips values in every dtype") {
  for (auto dtype : {DType::f32, DType::f64, DType::i64}) {
    auto t = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3}, dtype);
    CHECK(t.dtype() == dtype);
    CHECK(t.to_vector() == std::vector<double>{1, 2, 3, 4, 5, 6});
  }
  CHECK_THROWS_WITH_AS(Tensor::from_vector({1, 2, 3}, {2, 2}),
                       "Tensor::from_vector: 3 values for shape [2, 2] (4 elements)", Error);
}

TEST_CASE("views alias the storage") {
  auto t = Tensor::from_vector({0, 1, 2, 3, 4, 5}, {2, 3});
  auto live = allocator_for(Device::cpu()).stats().allocations;
  auto tt = t.transpose(0, 1);
  auto row = t.select(0, 1);
  auto col = t.narrow(1, 1, 2);
  auto v = t.view({3, 2});
  auto flat = t.view({-1});
  CHECK(allocator_for(Device::cpu()).stats().allocations == live);

  CHECK(tt.shape() == Shape{3, 2});
  CHECK(!tt.is_contiguous());
  CHECK(tt.to_vector() == std::vector<double>{0, 3, 1, 4, 2, 5});
  CHECK(row.to_vector() == std::vector<double>{3, 4, 5});
  CHECK(col.to_vector() == std::vector<double>{1, 2, 4, 5});
  CHECK(v.to_vector() == std::vector<double>{0, 1, 2, 3, 4, 5});
  CHECK(flat.shape() == Shape{6});

  t.data<float>()[4] = 40;
  CHECK(tt.to_vector()[3] == 40);
  CHECK(col.to_vector()[2] == 40);
}

TEST_CASE("slice with a step, squeeze and unsqueeze") {
  auto t = Tensor::from_vector({0, 1, 2, 3, 4, 5, 6}, {7});
  CHECK(t.slice(0, 1, 7, 2).to_vector() == std::vector<double>{1, 3, 5});
  CHECK(t.slice(0, -3, 100).to_vector() == std::vector<double>{4, 5, 6});
  auto u = t.unsqueeze(0);
  CHECK(u.shape() == Shape{1, 7});
  CHECK(u.squeeze(0).shape() == Shape{7});
  CHECK(t.unsqueeze(-1).shape() == Shape{7, 1});
  CHECK_THROWS_AS(t.squeeze(0), Error);
}

TEST_CASE("expand broadcasts with zero strides") {
  auto t = Tensor::from_vector({1, 2, 3}, {3, 1});
  auto e = t.expand({2, 3, 4});
  CHECK(e.strides() == Shape{0, 1, 0});
  auto v = e.to_vector();
  CHECK(v.size() == 24);
  CHECK(v[0] == 1);
  CHECK(v[4] == 2);
  CHECK(v[23] == 3);
  CHECK(t.expand({3, 2}).to_vector() == std::vector<double>{1, 1, 2, 2, 3, 3});
  CHECK_THROWS_WITH_AS(t.expand({2, 2}),
                       "expand: cannot expand [3, 1] to [2, 2] (dim 0 is 3, not 1)", Error);
}

TEST_CASE("view refuses what needs a copy; reshape copies then") {
  auto t = Tensor::from_vector({0, 1, 2, 3, 4, 5}, {2, 3}).transpose(0, 1);
  CHECK_THROWS_AS(t.view({6}), Error);
  auto r = t.reshape({6});
  CHECK(r.is_contiguous());
  CHECK(r.to_vector() == std::vector<double>{0, 3, 1, 4, 2, 5});
  // Splitting a dim of a transposed tensor is a view.
  auto big = Tensor::empty({4, 6}).transpose(0, 1);  // [6, 4] strides [1, 6]
  CHECK(big.view({2, 3, 4}).strides() == Shape{3, 1, 6});
  CHECK_THROWS_AS(Tensor::empty({2, 3}).view({4, -1}), Error);
}

TEST_CASE("permute, flatten and contiguous") {
  auto t = Tensor::from_vector({0, 1, 2, 3, 4, 5, 6, 7}, {2, 2, 2});
  auto p = t.permute({2, 0, 1});
  CHECK(p.to_vector() == std::vector<double>{0, 2, 4, 6, 1, 3, 5, 7});
  CHECK(p.contiguous().is_contiguous());
  CHECK(t.flatten(1).shape() == Shape{2, 4});
  CHECK_THROWS_AS(t.permute({0, 0, 1}), Error);
}

TEST_CASE("dtype conversions copy and round as C++ casts") {
  auto t = Tensor::from_vector({1.5, -2.25, 3}, {3}, DType::f64);
  auto f = t.to(DType::f32);
  CHECK(f.dtype() == DType::f32);
  CHECK(f.to_vector() == std::vector<double>{1.5, -2.25, 3});
  CHECK(t.to(DType::i64).to_vector() == std::vector<double>{1, -2, 3});
  CHECK(Tensor::scalar(7).item() == 7);
  CHECK_THROWS_AS(t.item(), Error);
}

TEST_CASE("memory returns to the allocator") {
  auto before = allocator_for(Device::cpu()).stats().live_bytes;
  {
    auto t = Tensor::empty({1000});
    CHECK(allocator_for(Device::cpu()).stats().live_bytes == before + 4000);
  }
  CHECK(allocator_for(Device::cpu()).stats().live_bytes == before);
}

TEST_CASE("devices parse, and cuda fails clearly where no CUDA backend is built") {
  CHECK(parse_device("cuda:1") == Device::cuda(1));
  CHECK(parse_device("cpu") == Device::cpu());
  CHECK_THROWS_WITH_AS(parse_device("gpu"),
                       "device: cannot parse 'gpu', expected cpu, cuda or cuda:N", Error);
#ifndef CHASE_WITH_CUDA
  CHECK_THROWS_WITH_AS(Tensor::empty({2}, DType::f32, Device::cuda()),
                       doctest::Contains("this build of chase has no CUDA backend"), Error);
#endif
}

TEST_CASE("large freed blocks are cached and handed to the next request of that size") {
  auto& allocator = allocator_for(Device::cpu());
  allocator.empty_cache();
  void* first = nullptr;
  {
    auto t = Tensor::empty({1 << 16});  // 256 KiB
    first = t.raw_data();
  }
  CHECK(allocator.stats().cached_bytes == (1 << 18));
  auto again = Tensor::empty({1 << 16});
  CHECK(again.raw_data() == first);
  CHECK(allocator.stats().cached_bytes == 0);
  allocator.empty_cache();
}
