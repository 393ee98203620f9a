// A user's program built out of tree against an installed chase (tests/install/run.sh):
// a linear classifier trained for a few SGD steps on a fixed batch, through the
// headers under <prefix>/include/chase and `pkg-config --cflags --libs chase`.
// Exits 0 when the loss went down, 1 otherwise.
#include <cstdio>

#include "autograd/variable.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/optim/sgd.h"
#include "tensor/ops.h"

int main() {
  chase::Generator gen(0);
  chase::Linear layer(8, 3, gen);
  chase::Sgd sgd(layer.named_parameters(), chase::SgdOptions{.lr = 0.5});
  const chase::Variable x(chase::uniform({16, 8}, -1.0, 1.0, gen));
  const chase::Tensor target = chase::Tensor::from_vector(
      {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0}, {16}, chase::DType::i64);
  double first = 0.0, last = 0.0;
  for (int step = 0; step < 5; ++step) {
    sgd.zero_grad();
    chase::Variable loss = chase::cross_entropy(layer(x), target, {});
    loss.backward();
    sgd.step();
    last = loss.value().item();
    if (step == 0) first = last;
  }
  std::printf("loss %.4f -> %.4f\n", first, last);
  return last < first ? 0 : 1;
}
