// Budgeted batch classification (chase/eval/budgeted.h) on small confidence arrays
// whose thresholds, exit shares and costs are worked out by hand.

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "chase/eval/budgeted.h"
#include "tensor/error.h"

namespace chase::eval {
namespace {

// Ten images, three exits. Exit 1 ranks them 0..9 by confidence; exit 2 ranks
// the other way round; exit 3 is never asked (the last exit takes the rest).
ExitPredictions ten_images() {
  ExitPredictions set;
  set.confidence = {{0.95f, 0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f},
                    {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 0.95f},
                    {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}};
  // Exit 1 is right on images 0-4, exit 2 on 5-9 (the ones it is sure of), exit 3 on all.
  set.labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  set.predicted = {{0, 1, 2, 3, 4, 0, 0, 0, 0, 0},
                   {9, 9, 9, 9, 9, 5, 6, 7, 8, 9},
                   {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}};
  return set;
}

const std::vector<double> kMacs = {10, 20, 40};

TEST_CASE("budgeted: the geometric prior is p^k normalised, without overflow for large p") {
  auto half = geometric_exit_prior(0.5, 3);
  REQUIRE(half.size() == 3);
  CHECK(half[0] == doctest::Approx(4.0 / 7));
  CHECK(half[1] == doctest::Approx(2.0 / 7));
  CHECK(half[2] == doctest::Approx(1.0 / 7));
  for (double v : geometric_exit_prior(1.0, 4)) CHECK(v == doctest::Approx(0.25));
  auto huge = geometric_exit_prior(1e4, 6);
  CHECK(std::isfinite(huge[0]));
  CHECK(huge[5] == doctest::Approx(1.0).epsilon(1e-3));
  CHECK_THROWS_AS(geometric_exit_prior(0, 3), Error);
  CHECK_THROWS_AS(geometric_exit_prior(std::nan(""), 3), Error);
}

TEST_CASE("budgeted: thresholds send floor(N * prior[k]) of the images left out at exit k") {
  auto set = ten_images();
  // 3 of 10 at exit 1: images 0-2, threshold 0.8. 4 of 10 at exit 2 among images
  // 3-9, most confident first: 9, 8, 7, 6, threshold 0.7. The last takes 3, 4, 5.
  const std::vector<double> prior = {0.3, 0.4, 0.3};
  auto thresholds = fit_thresholds(set, prior);
  REQUIRE(thresholds.size() == 3);
  CHECK(thresholds[0] == 0.8f);
  CHECK(thresholds[1] == 0.7f);
  CHECK(thresholds[2] == kEverybodyLeaves);

  auto out = apply_thresholds(set, thresholds, kMacs);
  CHECK(out.exit_fraction[0] == doctest::Approx(0.3));
  CHECK(out.exit_fraction[1] == doctest::Approx(0.4));
  CHECK(out.exit_fraction[2] == doctest::Approx(0.3));
  CHECK(out.mean_macs == doctest::Approx(0.3 * 10 + 0.4 * 20 + 0.3 * 40));
  CHECK(out.accuracy == doctest::Approx(1.0));  // each image left where it is answered right
}

TEST_CASE("budgeted: images tied with a threshold leave with it") {
  auto set = ten_images();
  set.confidence[0] = {0.9f, 0.8f, 0.8f, 0.8f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f, 0.05f};
  auto thresholds = fit_thresholds(set, std::vector<double>{0.2, 0.4, 0.4});
  CHECK(thresholds[0] == 0.8f);  // the quota is 2, but images 1-3 share 0.8
  auto out = apply_thresholds(set, thresholds, kMacs);
  CHECK(out.exit_fraction[0] == doctest::Approx(0.4));
}

TEST_CASE("budgeted: a prior that sends nobody to an exit gives it a threshold nobody reaches") {
  auto set = ten_images();
  // floor(10 * 0.05) = 0 at exit 1.
  auto thresholds = fit_thresholds(set, std::vector<double>{0.05, 0.5, 0.45});
  CHECK(thresholds[0] == kNobodyLeaves);
  auto out = apply_thresholds(set, thresholds, kMacs);
  CHECK(out.exit_fraction[0] == 0.0);
  CHECK(out.exit_fraction[1] == doctest::Approx(0.5));

  // A quota larger than the images still there: nobody leaves at exit 2 either.
  thresholds = fit_thresholds(set, std::vector<double>{0.6, 0.5, 0.0});  // 5 of 4 left
  CHECK(thresholds[1] == kNobodyLeaves);
  out = apply_thresholds(set, thresholds, kMacs);
  CHECK(out.exit_fraction[0] == doctest::Approx(0.6));
  CHECK(out.exit_fraction[2] == doctest::Approx(0.4));
}

TEST_CASE("budgeted: a one-exit model sends every image to it") {
  ExitPredictions set;
  set.confidence = {{0.2f, 0.9f, 0.6f}};
  set.predicted = {{1, 0, 2}};
  set.labels = {1, 1, 2};
  auto thresholds = fit_thresholds(set, geometric_exit_prior(0.5, 1));
  REQUIRE(thresholds == std::vector<float>{kEverybodyLeaves});
  auto out = apply_thresholds(set, thresholds, std::vector<double>{7});
  CHECK(out.exit_fraction == std::vector<double>{1.0});
  CHECK(out.mean_macs == 7.0);
  CHECK(out.accuracy == doctest::Approx(2.0 / 3));
}

TEST_CASE("budgeted: the sweep runs p = 0.05 .. 1.95 and spends more as p grows") {
  auto set = ten_images();
  auto curve = budgeted_sweep(set, set, kMacs);
  REQUIRE(curve.size() == 39);
  CHECK(curve.front().p == doctest::Approx(0.05));
  CHECK(curve.back().p == doctest::Approx(1.95));
  CHECK(curve.front().test.mean_macs < curve.back().test.mean_macs);
  for (const auto& point : curve) {
    CHECK(point.validation.mean_macs == point.test.mean_macs);  // the same set here
    CHECK(point.test.mean_macs >= kMacs.front());
    CHECK(point.test.mean_macs <= kMacs.back());
  }
}

TEST_CASE("budgeted: a budget is met from below, and one outside the exits' range is refused") {
  auto set = ten_images();
  for (double budget : {10.0, 15.0, 22.0, 31.0, 40.0}) {
    auto point = thresholds_for_budget(set, set, kMacs, budget);
    CHECK(point.validation.mean_macs <= budget);
    CHECK(point.validation.mean_macs > budget - 3.0);  // one image moved costs at most 3
  }
  CHECK(thresholds_for_budget(set, set, kMacs, 10.0).validation.exit_fraction[0] == 1.0);
  try {
    thresholds_for_budget(set, set, kMacs, 50.0);
    FAIL("a budget above the last exit was accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("from 1e-05 (every image at exit 1) to 4e-05") !=
          std::string::npos);
  }
  CHECK_THROWS_AS(thresholds_for_budget(set, set, kMacs, 9.0), Error);
}

TEST_CASE("budgeted: inconsistent or non-probability inputs are refused, naming what is wrong") {
  auto set = ten_images();
  set.confidence[1][4] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(fit_thresholds(set, std::vector<double>{0.3, 0.3, 0.4}),
                       "fitting exit thresholds: exit 2, image 4: confidence nan is not a "
                       "probability",
                       Error);
  set = ten_images();
  set.predicted[2].pop_back();
  CHECK_THROWS_AS(apply_thresholds(set, std::vector<float>{0, 0, 0}, kMacs), Error);
  set = ten_images();
  CHECK_THROWS_AS(fit_thresholds(set, std::vector<double>{0.5, 0.5}), Error);
  CHECK_THROWS_AS(apply_thresholds(set, std::vector<float>{0, 0}, kMacs), Error);
}

}  // namespace
}  // namespace chase::eval
