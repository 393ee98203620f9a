// Views, joins, splits and indexing. A view's gradient is grad_out put back
// through the inverse view; a selection's gradient is grad_out written into
// zeros at the selected places (or scattered/added back for index ops).
#include <numeric>

#include "autograd/functions.h"
#include "autograd/record.h"
#include "tensor/ops.h"

namespace chase {
namespace {

using Grads = std::vector<Tensor>;
using Needs = std::vector<bool>;

// Zeros of `shape` with g written into the part that `part_of` selects.
template <class Part>
Tensor scattered_into_zeros(const Tensor& g, const Shape& shape, Part part_of) {
  Tensor grad = zeros(shape, g.dtype(), g.device());
  copy_(part_of(grad), g);
  return grad;
}

// For reshape-like views: the gradient takes the input's shape back.
Variable reshaped(const char* op, const Variable& x, Tensor y) {
  return record(op, std::move(y), {x}, [shape = x.shape()](const Tensor& g, const Needs&) {
    return Grads{g.reshape(shape)};
  });
}

}  // namespace

// ---- views --------------------------------------------------------------------------------

Variable view(const Variable& x, Shape shape) {
  return reshaped("view", x, value_of(x, "view").view(std::move(shape)));
}

Variable reshape(const Variable& x, Shape shape) {
  return reshaped("reshape", x, value_of(x, "reshape").reshape(std::move(shape)));
}

Variable flatten(const Variable& x, std::int64_t start, std::int64_t end) {
  return reshaped("flatten", x, value_of(x, "flatten").flatten(start, end));
}

Variable permute(const Variable& x, const std::vector<std::int64_t>& order) {
  const Tensor& xv = value_of(x, "permute");
  Tensor y = xv.permute(order);  // validates order
  std::vector<std::int64_t> inverse(order.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    inverse[normalize_dim(order[i], xv.dim(), "permute")] = static_cast<std::int64_t>(i);
  return record("permute", y, {x}, [inverse](const Tensor& g, const Needs&) {
    return Grads{g.permute(inverse)};
  });
}

Variable transpose(const Variable& x, std::int64_t d0, std::int64_t d1) {
  return record("transpose", value_of(x, "transpose").transpose(d0, d1), {x},
                [d0, d1](const Tensor& g, const Needs&) { return Grads{g.transpose(d0, d1)}; });
}

Variable narrow(const Variable& x, std::int64_t dim, std::int64_t start, std::int64_t length) {
  const Tensor& xv = value_of(x, "narrow");
  return record("narrow", xv.narrow(dim, start, length), {x},
                [shape = xv.shape(), dim, start, length](const Tensor& g, const Needs&) {
                  return Grads{scattered_into_zeros(g, shape, [&](const Tensor& t) {
                    return t.narrow(dim, start, length);
                  })};
                });
}

Variable slice(const Variable& x, std::int64_t dim, std::int64_t start, std::int64_t end,
               std::int64_t step) {
  const Tensor& xv = value_of(x, "slice");
  return record("slice", xv.slice(dim, start, end, step), {x},
                [shape = xv.shape(), dim, start, end, step](const Tensor& g, const Needs&) {
                  return Grads{scattered_into_zeros(g, shape, [&](const Tensor& t) {
                    return t.slice(dim, start, end, step);
                  })};
                });
}

Variable select(const Variable& x, std::int64_t dim, std::int64_t index) {
  const Tensor& xv = value_of(x, "select");
  return record("select", xv.select(dim, index), {x},
                [shape = xv.shape(), dim, index](const Tensor& g, const Needs&) {
                  return Grads{scattered_into_zeros(
                      g, shape, [&](const Tensor& t) { return t.select(dim, index); })};
                });
}

Variable expand(const Variable& x, const Shape& shape) {
  const Tensor& xv = value_of(x, "expand");
  // Expanding is broadcasting: the adjoint sums back.
  return record("expand", xv.expand(shape), {x},
                [shape = xv.shape()](const Tensor& g, const Needs&) {
                  return Grads{sum_to(g, shape)};
                });
}

Variable squeeze(const Variable& x, std::int64_t dim) {
  const Tensor& xv = value_of(x, "squeeze");
  Tensor y = xv.squeeze(dim);  // validates dim
  auto d = normalize_dim(dim, xv.dim(), "squeeze");
  return record("squeeze", y, {x},
                [d](const Tensor& g, const Needs&) { return Grads{g.unsqueeze(d)}; });
}

Variable unsqueeze(const Variable& x, std::int64_t dim) {
  const Tensor& xv = value_of(x, "unsqueeze");
  Tensor y = xv.unsqueeze(dim);  // validates dim
  auto d = normalize_dim(dim, xv.dim() + 1, "unsqueeze");
  return record("unsqueeze", y, {x},
                [d](const Tensor& g, const Needs&) { return Grads{g.squeeze(d)}; });
}

Variable contiguous(const Variable& x) {
  return record("contiguous", value_of(x, "contiguous").contiguous(), {x},
                [](const Tensor& g, const Needs&) { return Grads{g}; });
}

// ---- joining and splitting ------------------------------------------------------------------

Variable concat(const std::vector<Variable>& xs, std::int64_t dim) {
  CHASE_CHECK(!xs.empty(), "concat: no tensors to join");
  std::vector<Tensor> values;
  std::vector<std::int64_t> sizes;
  for (const auto& x : xs) values.push_back(value_of(x, "concat"));
  Tensor y = concat(values, dim);  // validates shapes
  auto d = normalize_dim(dim, y.dim(), "concat");
  for (const auto& v : values) sizes.push_back(v.size(d));
  // Input i's gradient is the slice of grad_out that input i filled.
  return record("concat", y, xs, [d, sizes](const Tensor& g, const Needs& needs) {
    Grads grads(sizes.size());
    std::int64_t start = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      if (needs[i]) grads[i] = g.narrow(d, start, sizes[i]);
      start += sizes[i];
    }
    return grads;
  });
}

std::vector<Variable> split(const Variable& x, const std::vector<std::int64_t>& sizes,
                            std::int64_t dim) {
  const Tensor& xv = value_of(x, "split");
  auto d = normalize_dim(dim, xv.dim(), "split");
  auto total = std::accumulate(sizes.begin(), sizes.end(), std::int64_t{0});
  CHASE_CHECK(total == xv.size(d), "split: sizes {} add up to {}, but dim {} of {} has size {}",
              to_string(sizes), total, d, to_string(xv.shape()), xv.size(d));
  std::vector<Variable> parts;
  std::int64_t start = 0;
  for (auto size : sizes) {
    parts.push_back(narrow(x, d, start, size));
    start += size;
  }
  return parts;
}

Variable stack(const std::vector<Variable>& xs, std::int64_t dim) {
  CHASE_CHECK(!xs.empty(), "stack: no tensors to stack");
  std::vector<Tensor> values;
  for (const auto& x : xs) values.push_back(value_of(x, "stack"));
  Tensor y = stack(values, dim);  // validates shapes
  auto d = normalize_dim(dim, y.dim(), "stack");
  return record("stack", y, xs, [d](const Tensor& g, const Needs& needs) {
    Grads grads(needs.size());
    for (std::size_t i = 0; i < needs.size(); ++i)
      if (needs[i]) grads[i] = g.select(d, static_cast<std::int64_t>(i));
    return grads;
  });
}

// ---- indexing --------------------------------------------------------------------------------

Variable gather(const Variable& x, std::int64_t dim, const Tensor& index) {
  const Tensor& xv = value_of(x, "gather");
  // Gather's adjoint adds each grad_out element back where it was read from.
  return record("gather", gather(xv, dim, index), {x},
                [shape = xv.shape(), dim, index](const Tensor& g, const Needs&) {
                  return Grads{scatter_add(zeros(shape, g.dtype(), g.device()), dim, index, g)};
                });
}

Variable scatter_add(const Variable& base, std::int64_t dim, const Tensor& index,
                     const Variable& src) {
  const Tensor &bv = value_of(base, "scatter_add"), &sv = value_of(src, "scatter_add");
  CHASE_CHECK(index.shape() == sv.shape(),
              "scatter_add: index {} must have src's shape {} for src's gradient",
              to_string(index.shape()), to_string(sv.shape()));
  return record("scatter_add", scatter_add(bv, dim, index, sv), {base, src},
                [dim, index](const Tensor& g, const Needs& needs) {
                  return Grads{needs[0] ? g : Tensor(),
                               needs[1] ? gather(g, dim, index) : Tensor()};
                });
}

Variable index_select(const Variable& x, std::int64_t dim, const Tensor& index) {
  const Tensor& xv = value_of(x, "index_select");
  return record("index_select", index_select(xv, dim, index), {x},
                [shape = xv.shape(), dim, index](const Tensor& g, const Needs&) {
                  return Grads{index_add(zeros(shape, g.dtype(), g.device()), dim, index, g)};
                });
}

Variable index_add(const Variable& base, std::int64_t dim, const Tensor& index,
                   const Variable& src) {
  const Tensor &bv = value_of(base, "index_add"), &sv = value_of(src, "index_add");
  return record("index_add", index_add(bv, dim, index, sv), {base, src},
                [dim, index](const Tensor& g, const Needs& needs) {
                  return Grads{needs[0] ? g : Tensor(),
                               needs[1] ? index_select(g, dim, index) : Tensor()};
                });
}

}  // namespace chase
