// Learning-rate schedules against values worked out by hand.
#include "nn/optim/schedule.h"

#include "tests/test_util.h"

using namespace chase;

TEST_CASE("cosine schedule with linear warmup") {
  CosineSchedule s(0.1, 110, 10);
  CHECK(s.at(0) == doctest::Approx(0.0));
  CHECK(s.at(5) == doctest::Approx(0.05));
  CHECK(s.at(10) == doctest::Approx(0.1));
  CHECK(s.at(60) == doctest::Approx(0.05));  // half-way through the cosine
  CHECK(s.at(110) == doctest::Approx(0.0));
  CHECK(s.at(500) == doctest::Approx(0.0));  // clamped after the end
  // PyTorch's CosineAnnealingLR at step 25 of 100 (no warmup): 0.05 (1 + cos(pi/4)).
  CHECK(CosineSchedule(0.1, 100).at(25) == doctest::Approx(0.0853553390593));
  CHECK(CosineSchedule(0.1, 100, 0, 0.01).at(100) == doctest::Approx(0.01));
  CHECK_THROWS_AS(CosineSchedule(0.1, 10, 11), Error);
}

TEST_CASE("step and constant schedules") {
  StepSchedule s(1.0, {10, 20}, 0.5);
  CHECK(s.at(9) == 1.0);
  CHECK(s.at(10) == 0.5);
  CHECK(s.at(25) == 0.25);
  CHECK(ConstantSchedule(0.3).at(1000) == 0.3);
  CHECK_THROWS_AS(StepSchedule(1.0, {20, 10}), Error);
}
