// Module: hierarchical names, stable order, train/eval, state_dict round trip,
// load_state_dict errors, dtype moves that keep the handles.
#include "nn/module.h"

#include "autograd/functions.h"
#include "tests/test_util.h"

using namespace chase;

namespace {

// weight [2, 3], bias [2], a counter buffer.
class Leaf : public Module {
 public:
  Leaf() : Module("Leaf") {
    weight = register_parameter("weight", test::random_tensor({2, 3}, 1));
    bias = register_parameter("bias", test::random_tensor({2}, 2));
    counter = register_buffer("counter", Tensor::from_vector({7}, {1}, DType::i64));
  }
  Variable forward(const Variable& x) override { return add(matmul(x, transpose(weight, 0, 1)), bias); }

  Variable weight, bias, counter;
};

class Block : public Module {
 public:
  Block() : Module("Block") {
    scale = register_parameter("scale", test::random_tensor({2}, 3));
    first = register_module("layers0", std::make_shared<Leaf>());
    second = register_module("layers1", std::make_shared<Leaf>());
  }
  Variable scale;
  std::shared_ptr<Leaf> first, second;
};

class Tree : public Module {
 public:
  Tree() : Module("Tree") {
    block = register_module("block", std::make_shared<Block>());
    head = register_module("head", std::make_shared<Leaf>());
  }
  std::shared_ptr<Block> block;
  std::shared_ptr<Leaf> head;
};

std::vector<std::string> names(const std::vector<NamedVariable>& entries) {
  std::vector<std::string> out;
  for (const auto& entry : entries) out.push_back(entry.first);
  return out;
}

}  // namespace

TEST_CASE("parameters and buffers get hierarchical names in registration order") {
  Tree tree;
  CHECK(names(tree.named_parameters()) ==
        std::vector<std::string>{"block.scale", "block.layers0.weight", "block.layers0.bias",
                                 "block.layers1.weight", "block.layers1.bias", "head.weight",
                                 "head.bias"});
  CHECK(names(tree.named_buffers()) ==
        std::vector<std::string>{"block.layers0.counter", "block.layers1.counter",
                                 "head.counter"});
  // parameters() returns the very handles the layers hold.
  auto params = tree.parameters();
  REQUIRE(params.size() == 7);
  CHECK(params[1].impl() == tree.block->first->weight.impl());
  CHECK(tree.parameter_count() == 2 + 3 * (6 + 2));
  CHECK(tree.state_dict().size() == 10);
}

TEST_CASE("registration rejects bad and duplicate names") {
  class Bad : public Module {
   public:
    explicit Bad(const std::string& second_name) : Module("Bad") {
      register_parameter("w", zeros({1}));
      register_buffer(second_name, zeros({1}));
    }
  };
  CHECK_THROWS_WITH_AS(Bad("w"), doctest::Contains("\"w\" is already registered"), Error);
  CHECK_THROWS_WITH_AS(Bad("a.b"), doctest::Contains("without '.'"), Error);
  CHECK_THROWS_WITH_AS(Bad(""), doctest::Contains("non-empty"), Error);
}

TEST_CASE("train and eval reach every descendant") {
  Tree tree;
  CHECK(tree.block->second->is_training());
  tree.eval();
  CHECK_FALSE(tree.is_training());
  CHECK_FALSE(tree.block->second->is_training());
  CHECK_FALSE(tree.head->is_training());
  tree.train();
  CHECK(tree.block->first->is_training());
}

TEST_CASE("a module without a single-input forward says so") {
  Block block;
  CHECK_THROWS_WITH_AS(block.forward(Variable(zeros({1, 3}))),
                       doctest::Contains("Block::forward: this module has no single-input forward"),
                       Error);
}

TEST_CASE("state_dict round trip copies values into another module") {
  Tree source, target;
  // Make target differ everywhere, including the integer buffer.
  for (auto& [name, v] : target.named_parameters()) v.set_value(zeros(v.shape()));
  target.head->counter.set_value(Tensor::from_vector({0}, {1}, DType::i64));

  target.load_state_dict(source.state_dict());
  auto expected = source.state_dict(), actual = target.state_dict();
  for (const auto& [name, t] : expected) {
    INFO(name);
    CHECK(actual.at(name).to_vector() == t.to_vector());
  }
  // The loaded values are copies: changing the source leaves the target alone.
  fill_(source.head->weight.value(), 5.0);
  CHECK(target.head->weight.value().to_vector() != source.head->weight.value().to_vector());
  // The layer's member handle sees the loaded value.
  CHECK(target.block->first->bias.value().to_vector() ==
        source.block->first->bias.value().to_vector());
}

TEST_CASE("load_state_dict names every missing, unexpected, mis-shaped and mis-typed entry") {
  Tree tree;
  auto state = tree.state_dict();
  auto before = tree.head->weight.value().to_vector();
  state.erase("block.layers1.bias");
  state.erase("head.counter");
  state["extra.weight"] = zeros({1});
  state["head.weight"] = zeros({3, 2});
  state["block.scale"] = zeros({2}, DType::f64);

  try {
    tree.load_state_dict(state);
    FAIL("load_state_dict accepted a broken state");
  } catch (const Error& e) {
    std::string message = e.what();
    INFO(message);
    CHECK(message.find("Tree::load_state_dict: 5 problem(s)") != std::string::npos);
    CHECK(message.find("missing \"block.layers1.bias\" (f32 [2])") != std::string::npos);
    CHECK(message.find("missing \"head.counter\" (i64 [1])") != std::string::npos);
    CHECK(message.find("unexpected \"extra.weight\"") != std::string::npos);
    CHECK(message.find("\"head.weight\": expected f32 [2, 3], got f32 [3, 2]") != std::string::npos);
    CHECK(message.find("\"block.scale\": expected f32 [2], got f64 [2]") != std::string::npos);
  }
  // Nothing was loaded.
  CHECK(tree.head->weight.value().to_vector() == before);

  SUBCASE("non-strict loading skips missing and unexpected entries but not bad shapes") {
    state["head.weight"] = zeros({2, 3});
    state["block.scale"] = zeros({2});
    tree.load_state_dict(state, /*strict=*/false);
    CHECK(tree.head->weight.value().to_vector() == std::vector<double>(6, 0.0));
    state["head.weight"] = zeros({3, 2});
    CHECK_THROWS_WITH_AS(tree.load_state_dict(state, false),
                         doctest::Contains("1 problem(s): \"head.weight\": expected"), Error);
  }
}

TEST_CASE("to(dtype) converts floating parameters, buffers and gradients in place") {
  Tree tree;
  auto handle = tree.head->weight;
  auto values = handle.value().to_vector();
  auto loss = sum(tree.head->forward(Variable(ones({4, 3}))));
  loss.backward();
  REQUIRE(handle.has_grad());

  tree.to(DType::f64);
  // The layer's member, the registry and an earlier copy of the handle all see it.
  CHECK(handle.dtype() == DType::f64);
  CHECK(tree.head->weight.dtype() == DType::f64);
  CHECK(handle.grad().dtype() == DType::f64);
  CHECK(handle.value().to_vector() == values);  // f32 -> f64 is exact
  CHECK(tree.head->counter.dtype() == DType::i64);
  for (const auto& [name, t] : tree.state_dict()) {
    INFO(name);
    CHECK(t.dtype() == (name.ends_with("counter") ? DType::i64 : DType::f64));
  }
  tree.to(Device::cpu());
  CHECK(handle.device() == Device::cpu());

  tree.zero_grad();
  CHECK_FALSE(handle.has_grad());
}
