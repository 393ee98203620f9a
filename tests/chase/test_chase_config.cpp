// CHASE's configuration and plan (chase/models/chase_config.h): the channel widths
// of Eq. 2-4 written out by hand for a small configuration, the exit placement
// against the paper's formula for several kappa, validation messages and the JSON
// form the PyTorch port reads.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chase/models/chase_config.h"
#include "tensor/error.h"

namespace chase {
namespace {

using Table = std::vector<std::vector<std::vector<std::int64_t>>>;  // [b][l][s]

// Three scales, three blocks of three layers, growth 3 with factors 1-2-2 (6 new
// channels per layer at scales 2 and 3), 4 channels out of the stem.
ChaseConfig small_config() {
  ChaseConfig c;
  c.in_channels = 3;
  c.num_classes = 5;
  c.stem_channels = 4;
  c.stem_stride = 1;
  c.first_channels = 4;
  c.n_blocks = 3;
  c.layers_per_block = 3;
  c.kappa = 2;
  c.growth = 3;
  c.gr_factor = {1, 2, 2};
  c.bn_factor = {1, 2, 2};
  c.gal = GalPlacement::last_block;
  c.gal_heads = 1;  // the final block ends with 31 channels (below), a prime
  c.classifier_channels = 8;
  return c;
}

TEST_CASE("chase config: the plan's widths and stacks of a small configuration, by hand") {
  const auto plan = plan_chase(small_config());
  // Eq. 4, with x^s_{b,l} = f(stack of scale s-1 up to layer l) concat h(stack of
  // scale s up to layer l-1), f(empty) = h(empty) = empty; growth 3 at scale 1,
  // 6 at scales 2 and 3 (split 3 + 3 between f and h when both read something).
  // Block 1 (b = 0), scales 1, 2, 3:
  //   l = 0: the stem's 4 channels at scale 1; scales 2 and 3 are empty.
  //   l = 1: scale 1: h(4) alone -> 3 (stack 7); scale 2: f(7) alone (its own stack is
  //          empty) -> 6 (stack 6); scale 3: f(6) alone -> 6 (stack 6).
  //   l = 2: scale 1: h -> 3 (10); scale 2: f(10) 3 + h(6) 3 -> 6 (12); scale 3: f(12) +
  //          h(6) -> 6 (12).
  //   l = 3: 3 (13); 6 (18); 6 (18).
  // Block 2 keeps scales 2 and 3 (Eq. 2), each starting from the transition T_1
  // (Eq. 3): floor(0.5 * 18) = 9 at both; scale 2 is now the finest, so h alone.
  //   l = 1: scale 2: h(9) -> 6 (15); scale 3: f(15) + h(9) -> 6 (15).
  //   l = 2: 6 (21); 6 (21).  l = 3: 6 (27); 6 (27).
  // Block 3 keeps scale 3 alone: floor(0.5 * 27) = 13 (the floor), then h adds 6 per
  // layer: 19, 25, 31.
  const Table width = {
      {{4, 0, 0}, {3, 6, 6}, {3, 6, 6}, {3, 6, 6}},
      {{0, 9, 9}, {0, 6, 6}, {0, 6, 6}, {0, 6, 6}},
      {{0, 0, 13}, {0, 0, 6}, {0, 0, 6}, {0, 0, 6}},
  };
  const Table stack = {
      {{4, 0, 0}, {7, 6, 6}, {10, 12, 12}, {13, 18, 18}},
      {{0, 9, 9}, {0, 15, 15}, {0, 21, 21}, {0, 27, 27}},
      {{0, 0, 13}, {0, 0, 19}, {0, 0, 25}, {0, 0, 31}},
  };
  CHECK(plan.width == width);
  CHECK(plan.stack == stack);
  CHECK(plan.first_scale == std::vector<std::int64_t>{0, 1, 2});
  CHECK(plan.gal_after == std::vector<bool>{false, false, true});

  // kappa 2 does not divide B * L = 9: exits after global layers 2, 4, 6, 8 and the
  // last layer 9. Layer 6 is the boundary of blocks 2 and 3: block 3's layer 0, the
  // transition's output. Each reads the coarsest stack there.
  REQUIRE(plan.exits.size() == 5);
  const std::vector<std::vector<std::int64_t>> exits = {
      // global layer, block, layer, channels
      {2, 0, 2, 12}, {4, 1, 1, 15}, {6, 2, 0, 13}, {8, 2, 2, 25}, {9, 2, 3, 31}};
  for (std::size_t k = 0; k < exits.size(); ++k) {
    INFO("exit " << k + 1);
    const auto& e = plan.exits[k];
    CHECK(std::vector<std::int64_t>{e.global_layer, e.block, e.layer, e.channels} == exits[k]);
  }
}

TEST_CASE("chase config: two blocks on three scales keep the coarsest scale in both") {
  auto c = small_config();
  c.n_blocks = 2;
  c.layers_per_block = 2;
  c.kappa = 1;
  const auto plan = plan_chase(c);
  // Block 1 as above for two layers (stacks 10, 12, 12); block 2: floor(12 / 2) = 6
  // at scales 2 and 3, then 6 per layer.
  const Table stack = {
      {{4, 0, 0}, {7, 6, 6}, {10, 12, 12}},
      {{0, 6, 6}, {0, 12, 12}, {0, 18, 18}},
  };
  CHECK(plan.stack == stack);
  // kappa 1: an exit after every layer, the one after layer 2 reading block 2's
  // transition output (6 channels at scale 3).
  REQUIRE(plan.exits.size() == 4);
  CHECK(plan.exits[1].block == 1);
  CHECK(plan.exits[1].layer == 0);
  CHECK(plan.exits[1].channels == 6);
  CHECK(plan.exits[3].channels == 18);
}

// The paper (Sec. II-C): "the K exits are placed every kappa layer of the B
// blocks", b_k = ceil((k - 1) kappa / L), l_k = (k kappa) mod L (blocks from 0), an
// exit between two blocks reading after the transition. Exit k thus reads after
// global layer k kappa = b L + l: block floor(k kappa / L), layer (k kappa) mod L,
// which is what plan_chase does. The printed ceil agrees with that exactly when
// l_k <= kappa < L + l_k (always when kappa divides L and kappa < L, and e.g. kappa
// 3 of L 4); elsewhere it is off by a block: kappa = L gives block k - 1 (for k = 1
// the stem's own map, before any layer), and kappa = 1 of L = 3 gives exit 2 at
// block 1 layer 2 (global layer 5) but exit 3 at block 1 layer 0 (global layer 3),
// out of order. The test checks the plan against the formula where the formula is
// self-consistent and against its kappa spacing everywhere.
TEST_CASE("chase config: exit placement follows the paper's formula") {
  std::int64_t agreeing = 0, not_dividing_agreeing = 0;
  for (std::int64_t layers : {3, 4, 5}) {
    for (std::int64_t blocks : {1, 2, 3}) {
      for (std::int64_t kappa = 1; kappa <= layers; ++kappa) {
        INFO("L = " << layers << ", B = " << blocks << ", kappa = " << kappa);
        ChaseConfig c = small_config();
        c.layers_per_block = layers;
        c.n_blocks = blocks;
        c.kappa = kappa;
        c.gal = GalPlacement::none;
        const auto plan = plan_chase(c);
        const std::int64_t total = blocks * layers;
        // One exit per multiple of kappa below B * L, and the last after layer B * L.
        const std::int64_t expected = (total - 1) / kappa + 1;
        REQUIRE(std::ssize(plan.exits) == expected);
        for (std::int64_t k = 1; k < expected; ++k) {
          INFO("exit " << k);
          const auto& exit = plan.exits[static_cast<std::size_t>(k - 1)];
          CHECK(exit.global_layer == k * kappa);
          CHECK(exit.block == k * kappa / layers);
          CHECK(exit.layer == k * kappa % layers);  // a block boundary: the next block's layer 0
          CHECK(exit.channels == plan.stack[static_cast<std::size_t>(exit.block)]
                                           [static_cast<std::size_t>(exit.layer)][2]);
          const auto paper = paper_exit_placement(k, kappa, layers);
          CHECK(paper.global_layer == exit.global_layer);
          CHECK(paper.layer == exit.layer);
          const bool formula_holds = paper.layer <= kappa && kappa < layers + paper.layer;
          if (formula_holds) {
            CHECK(paper.block == exit.block);
            ++agreeing;
            if (layers % kappa != 0) ++not_dividing_agreeing;
          } else {
            // The printed formula's block is then one too many or too few, never
            // the one of global layer k kappa.
            CHECK(paper.block * layers + paper.layer != k * kappa);
          }
        }
        const auto& last = plan.exits.back();
        CHECK(last.global_layer == total);
        CHECK(last.block == blocks - 1);
        CHECK(last.layer == layers);
        CHECK(last.channels == plan.stack.back().back()[2]);
      }
    }
  }
  CHECK(agreeing > 30);  // the comparison ran on many exits...
  CHECK(not_dividing_agreeing > 10);  // ...kappa not dividing L among them (3 of 4, 2 of 3, ...)
  // Spot checks written out: L = 4, kappa = 3: exits at global layers 3, 6, 9 are
  // (0, 3), (1, 2), (2, 1), the paper's ceil(0) = 0, ceil(3/4) = 1, ceil(6/4) = 2.
  for (std::int64_t k = 1; k <= 3; ++k) {
    const auto paper = paper_exit_placement(k, 3, 4);
    CHECK(paper.block == k - 1);
    CHECK(paper.layer == 4 - k);
  }
  // The formula's slips, as printed: kappa = L = 4 puts exit 1 at block 0, layer 0
  // (plan: block 1, layer 0, after the transition); kappa = 1, L = 3 puts exit 2 at
  // block 1, layer 2 (plan: block 0, layer 2).
  CHECK(paper_exit_placement(1, 4, 4).block == 0);
  CHECK(paper_exit_placement(2, 1, 3).block == 1);
}

TEST_CASE("chase config: exits when kappa does not divide B * L, and kappa above L") {
  auto c = small_config();
  c.gal = GalPlacement::none;
  c.n_blocks = 2;
  c.layers_per_block = 3;
  c.kappa = 4;  // global layers 4 and then 6 (the last, not 8)
  auto plan = plan_chase(c);
  REQUIRE(plan.exits.size() == 2);
  CHECK(plan.exits[0].global_layer == 4);
  CHECK(plan.exits[0].block == 1);
  CHECK(plan.exits[0].layer == 1);
  CHECK(plan.exits[1].global_layer == 6);
  CHECK(plan.exits[1].block == 1);
  CHECK(plan.exits[1].layer == 3);
  c.kappa = 6;  // kappa = B * L: the last exit only
  plan = plan_chase(c);
  REQUIRE(plan.exits.size() == 1);
  CHECK(plan.exits[0].block == 1);
  CHECK(plan.exits[0].layer == 3);
  c.kappa = 5;  // 5, then the last at 6
  plan = plan_chase(c);
  REQUIRE(plan.exits.size() == 2);
  CHECK(plan.exits[0].global_layer == 5);
  CHECK(plan.exits[0].layer == 2);
  CHECK(plan.exits[1].global_layer == 6);
}

TEST_CASE("chase config: the scale sides for each stem stride") {
  auto c = small_config();
  c.stem_stride = 1;
  CHECK(chase_scale_sides(c, 32) == std::vector<std::int64_t>{32, 16, 8});
  c.stem_stride = 2;
  CHECK(chase_scale_sides(c, 32) == std::vector<std::int64_t>{16, 8, 4});
  CHECK(chase_scale_sides(c, 28) == std::vector<std::int64_t>{14, 7, 4});  // 3x3, pad 1
  c.stem_stride = 4;
  CHECK(chase_scale_sides(c, 224) == std::vector<std::int64_t>{56, 28, 14});
  CHECK(chase_scale_sides(c, 9) == std::vector<std::int64_t>{3, 2, 1});
}

TEST_CASE("chase config: bad configurations are refused with the reason") {
  CHECK_NOTHROW(validate(small_config()));
  auto c = small_config();
  c.n_blocks = 4;
  CHECK_THROWS_WITH_AS(validate(c),
                       doctest::Contains("n_blocks 4 must not exceed the number of scales 3"),
                       Error);
  c = small_config();
  c.gr_factor = {1, 1, 2};  // growth 3 x 1 at scale 2, where f and h split it
  CHECK_THROWS_WITH_AS(validate(c),
                       doctest::Contains("growth * gr_factor[1] = 3 must be even"), Error);
  c.gr_factor = {3, 2, 2};  // odd at the finest scale is fine: only h writes there
  CHECK_NOTHROW(validate(c));
  c = small_config();
  c.gal_heads = 4;
  CHECK_THROWS_WITH_AS(validate(c),
                       doctest::Contains("the GAL after block 3 has 31 channels, not divisible "
                                         "by gal_heads 4"),
                       Error);
  CHECK_THROWS_WITH_AS(plan_chase(c), doctest::Contains("gal_heads 4"), Error);
  c.gal = GalPlacement::none;  // no GAL, no constraint
  CHECK_NOTHROW(validate(c));
  c = small_config();
  c.kappa = 0;
  CHECK_THROWS_WITH_AS(
      validate(c),
      doctest::Contains("kappa must lie in [1, n_blocks * layers_per_block = 9], got 0"), Error);
  c.kappa = 10;
  CHECK_THROWS_WITH_AS(validate(c), doctest::Contains("got 10"), Error);
  c.kappa = 9;
  CHECK_NOTHROW(validate(c));
  c = small_config();
  c.n_blocks = 1;
  c.gal = GalPlacement::last_two_blocks;
  CHECK_THROWS_WITH_AS(validate(c),
                       doctest::Contains("GAL in the two final blocks needs n_blocks >= 2, got 1"),
                       Error);
  c = small_config();
  c.bn_factor = {1, 2};
  CHECK_THROWS_WITH_AS(validate(c), doctest::Contains("one entry per scale, got 3 and 2"), Error);
  c = small_config();
  c.stem_stride = 3;
  CHECK_THROWS_WITH_AS(validate(c), doctest::Contains("stem_stride must be 1, 2 or 4, got 3"),
                       Error);
  c = small_config();
  c.growth = 0;
  CHECK_THROWS_WITH_AS(validate(c), doctest::Contains("growth must be positive, got 0"), Error);
}

TEST_CASE("chase config: JSON round trip, and unknown or missing keys are refused") {
  auto c = small_config();
  c.cam = false;
  c.cam_reduction = 4;
  c.bottleneck = false;
  c.reduction = 0.75;
  c.gal = GalPlacement::last_two_blocks;
  c.gal_mlp_ratio = 0;
  const std::string text = chase_config_json(c);
  const auto parsed = parse_chase_config_json(text);
  CHECK(chase_config_json(parsed) == text);
  CHECK(parsed.in_channels == 3);
  CHECK(parsed.num_classes == 5);
  CHECK(parsed.stem_stride == 1);
  CHECK(parsed.layers_per_block == 3);
  CHECK(parsed.growth == 3);
  CHECK(parsed.gr_factor == std::vector<std::int64_t>{1, 2, 2});
  CHECK(parsed.bn_factor == std::vector<std::int64_t>{1, 2, 2});
  CHECK_FALSE(parsed.cam);
  CHECK(parsed.cam_reduction == 4);
  CHECK_FALSE(parsed.bottleneck);
  CHECK(parsed.reduction == 0.75);
  CHECK(parsed.gal == GalPlacement::last_two_blocks);
  CHECK(parsed.gal_heads == 1);
  CHECK(parsed.gal_mlp_ratio == 0);
  CHECK(parsed.classifier_channels == 8);
  // The keys are the field names; gal as a word.
  auto j = nlohmann::json::parse(text);
  CHECK(j.size() == 19);
  CHECK(j.at("gal") == "last_two_blocks");
  CHECK(j.at("kappa") == 2);

  auto unknown = j;
  unknown["heads"] = 2;
  CHECK_THROWS_WITH_AS(parse_chase_config_json(unknown.dump()),
                       doctest::Contains("unknown key 'heads'"), Error);
  auto missing = j;
  missing.erase("kappa");
  CHECK_THROWS_WITH_AS(parse_chase_config_json(missing.dump()),
                       doctest::Contains("missing key 'kappa'"), Error);
  auto bad_gal = j;
  bad_gal["gal"] = "first_block";
  CHECK_THROWS_WITH_AS(parse_chase_config_json(bad_gal.dump()),
                       doctest::Contains("'gal' must be none, last_block or last_two_blocks"),
                       Error);
  auto bad_type = j;
  bad_type["growth"] = "twelve";
  CHECK_THROWS_WITH_AS(parse_chase_config_json(bad_type.dump()),
                       doctest::Contains("bad value for 'growth'"), Error);
  auto invalid = j;
  invalid["n_blocks"] = 4;  // parsed, then validated
  CHECK_THROWS_WITH_AS(parse_chase_config_json(invalid.dump()),
                       doctest::Contains("must not exceed the number of scales"), Error);
  CHECK_THROWS_WITH_AS(parse_chase_config_json("{"), doctest::Contains("not valid JSON"), Error);
  CHECK_THROWS_WITH_AS(parse_chase_config_json("[1, 2]"),
                       doctest::Contains("expected a JSON object"), Error);
  CHECK(to_string(GalPlacement::none) == "none");
  CHECK(to_string(GalPlacement::last_block) == "last_block");
}

}  // namespace
}  // namespace chase
