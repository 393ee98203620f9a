// Joining, splitting and indexing. concat copies each input into a narrow view
// of the output; split returns views; gather/scatter_add and
// index_select/index_add are adjoint pairs (each is the other's backward).
// Indices are i64 and must lie in [0, size) of the indexed dim: no negative
// indices, as in PyTorch's gather and index_select.
#include "tensor/kernels.h"
#include "tensor/ops.h"

namespace chase {
namespace {

void check_defined(const char* op, const Tensor& t, const char* what) {
  CHASE_CHECK(t.defined(), "{}: {} is an undefined tensor", op, what);
}

void check_index_tensor(const char* op, const Tensor& index, const Tensor& x) {
  check_defined(op, index, "index");
  CHASE_CHECK(index.dtype() == DType::i64, "{}: index must be i64, got {}", op,
              name(index.dtype()));
  CHASE_CHECK(index.device() == x.device(), "{}: index on {} but the tensor on {}", op,
              index.device().str(), x.device().str());
}

void check_same_kind(const char* op, const Tensor& a, const char* a_name, const Tensor& b,
                     const char* b_name) {
  CHASE_CHECK(a.dtype() == b.dtype(), "{}: {} is {} but {} is {}", op, a_name, name(a.dtype()),
              b_name, name(b.dtype()));
  CHASE_CHECK(a.device() == b.device(), "{}: {} on {} but {} on {}", op, a_name, a.device().str(),
              b_name, b.device().str());
}

// The shape with entry `dim` written as '*', for "all dims but dim agree" messages.
std::string shape_except(const Shape& shape, std::int64_t dim) {
  std::string text = "[";
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (d > 0) text += ", ";
    text += std::int64_t(d) == dim ? "*" : std::to_string(shape[d]);
  }
  return text + "]";
}

bool same_except(const Shape& a, const Shape& b, std::int64_t dim) {
  if (a.size() != b.size()) return false;
  for (std::size_t d = 0; d < a.size(); ++d)
    if (std::int64_t(d) != dim && a[d] != b[d]) return false;
  return true;
}

// gather/scatter_add: index has the tensors' rank and is no larger than `x`
// in any dim (other than `dim` when `except_dim`).
void check_index_fits(const char* op, const Tensor& index, const Tensor& x, const char* x_name,
                      std::int64_t dim, bool except_dim) {
  CHASE_CHECK(index.dim() == x.dim(), "{}: index has {} dims ({}), {} has {} ({})", op, index.dim(),
              to_string(index.shape()), x_name, x.dim(), to_string(x.shape()));
  for (std::int64_t d = 0; d < x.dim(); ++d)
    CHASE_CHECK((except_dim && d == dim) || index.size(d) <= x.size(d),
                "{}: index of shape {} is larger than {} of shape {} in dim {}", op,
                to_string(index.shape()), x_name, to_string(x.shape()), d);
}

}  // namespace

Tensor concat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  CHASE_CHECK(!tensors.empty(), "concat: needs at least one tensor");
  const Tensor& first = tensors[0];
  check_defined("concat", first, "tensor 0");
  dim = normalize_dim(dim, first.dim(), "concat");
  Shape shape = first.shape();
  shape[dim] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    check_defined("concat", t, "a tensor");
    check_same_kind("concat", first, "tensor 0", t, fmt::format("tensor {}", i).c_str());
    CHASE_CHECK(same_except(t.shape(), first.shape(), dim),
                "concat: tensor {} has shape {}, expected {} (tensor 0's shape {} in all "
                "dims but {})",
                i, to_string(t.shape()), shape_except(first.shape(), dim), to_string(first.shape()),
                dim);
    shape[dim] += t.size(dim);
  }
  Tensor out = Tensor::empty(shape, first.dtype(), first.device());
  std::int64_t offset = 0;
  for (const Tensor& t : tensors) {
    copy_(out.narrow(dim, offset, t.size(dim)), t);
    offset += t.size(dim);
  }
  return out;
}

std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes,
                          std::int64_t dim) {
  check_defined("split", x, "x");
  dim = normalize_dim(dim, x.dim(), "split");
  std::int64_t total = 0;
  for (auto s : sizes) {
    CHASE_CHECK(s >= 0, "split: negative size in sizes {}", to_string(sizes));
    total += s;
  }
  CHASE_CHECK(total == x.size(dim), "split: sizes {} add up to {}, but dim {} of shape {} is {}",
              to_string(sizes), total, dim, to_string(x.shape()), x.size(dim));
  std::vector<Tensor> parts;
  std::int64_t offset = 0;
  for (auto s : sizes) {
    parts.push_back(x.narrow(dim, offset, s));
    offset += s;
  }
  return parts;
}

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  CHASE_CHECK(!tensors.empty(), "stack: needs at least one tensor");
  check_defined("stack", tensors[0], "tensor 0");
  dim = normalize_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> unsqueezed;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    check_defined("stack", tensors[i], "a tensor");
    CHASE_CHECK(tensors[i].shape() == tensors[0].shape(),
                "stack: tensor {} has shape {}, expected {} (tensor 0's shape)", i,
                to_string(tensors[i].shape()), to_string(tensors[0].shape()));
    unsqueezed.push_back(tensors[i].unsqueeze(dim));
  }
  return concat(unsqueezed, dim);
}

Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  check_defined("gather", x, "x");
  check_index_tensor("gather", index, x);
  dim = normalize_dim(dim, x.dim(), "gather");
  check_index_fits("gather", index, x, "x", dim, /*except_dim=*/true);
  Tensor out = Tensor::empty(index.shape(), x.dtype(), x.device());
  kernels_for(x.device()).gather(out, x.contiguous(), dim, index.contiguous());
  return out;
}

Tensor scatter_add(const Tensor& base, std::int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined("scatter_add", base, "base");
  check_defined("scatter_add", src, "src");
  check_index_tensor("scatter_add", index, base);
  check_same_kind("scatter_add", base, "base", src, "src");
  dim = normalize_dim(dim, base.dim(), "scatter_add");
  check_index_fits("scatter_add", index, base, "base", dim, /*except_dim=*/true);
  check_index_fits("scatter_add", index, src, "src", dim, /*except_dim=*/false);
  Tensor out = base.clone();
  kernels_for(base.device()).scatter_add(out, dim, index.contiguous(), src.contiguous());
  return out;
}

Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index) {
  check_defined("index_select", x, "x");
  check_index_tensor("index_select", index, x);
  CHASE_CHECK(index.dim() == 1, "index_select: index must be 1-d, got shape {}",
              to_string(index.shape()));
  dim = normalize_dim(dim, x.dim(), "index_select");
  Shape shape = x.shape();
  shape[dim] = index.numel();
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  kernels_for(x.device()).index_select(out, x.contiguous(), dim, index.contiguous());
  return out;
}

Tensor index_add(const Tensor& base, std::int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined("index_add", base, "base");
  check_defined("index_add", src, "src");
  check_index_tensor("index_add", index, base);
  check_same_kind("index_add", base, "base", src, "src");
  CHASE_CHECK(index.dim() == 1, "index_add: index must be 1-d, got shape {}",
              to_string(index.shape()));
  dim = normalize_dim(dim, base.dim(), "index_add");
  Shape expected = base.shape();
  expected[dim] = index.numel();
  CHASE_CHECK(src.shape() == expected,
              "index_add: src has shape {}, expected {} (base's shape {} with dim {} the "
              "index's length {})",
              to_string(src.shape()), to_string(expected), to_string(base.shape()), dim,
              index.numel());
  Tensor out = base.clone();
  kernels_for(base.device()).index_add(out, dim, index.contiguous(), src.contiguous());
  return out;
}

}  // namespace chase
