// The convolution geometries on which a backend (oneDNN, CUDA) is compared
// with the reference: odd sizes, batch 1, strides, groups, dilation, depthwise
// with and without a channel multiplier, 1x1, rectangular everything, a wide
// layer and no padding. The depthwise 3x3 cases with stride, padding and
// dilation 1 cover the oneDNN backend's own loops (depthwise3x3.h): planes
// wider than eight columns, with and without a partial last group of eight,
// planes at most four wide, which go in pairs (an odd count leaves one alone),
// one row, 1x1 planes; the other depthwise cases take oneDNN's primitives.
#pragma once

#include <string>
#include <vector>

#include "tensor/options.h"
#include "tensor/shape.h"

namespace chase::test {

struct ConvCase {
  std::string name;
  Shape x, w;
  Conv2dOptions options;
  bool bias;
};

inline std::vector<ConvCase> conv_parity_cases() {
  return {
      {"odd 7x5 image, 3 channels", {2, 3, 7, 5}, {4, 3, 3, 3}, {{1, 1}, {1, 1}, {1, 1}, 1}, true},
      {"batch 1, stride 2", {1, 8, 9, 9}, {16, 8, 3, 3}, {{2, 2}, {1, 1}, {1, 1}, 1}, true},
      {"groups 2, dilation 2", {2, 6, 8, 7}, {4, 3, 3, 3}, {{1, 1}, {2, 2}, {2, 2}, 2}, false},
      {"depthwise", {3, 8, 10, 10}, {8, 1, 3, 3}, {{1, 1}, {1, 1}, {1, 1}, 8}, true},
      {"depthwise, multiplier 2, stride 2",
       {2, 8, 10, 9},
       {16, 1, 3, 3},
       {{2, 2}, {1, 1}, {1, 1}, 8},
       false},
      {"depthwise, multiplier 2", {2, 4, 6, 6}, {8, 1, 3, 3}, {{1, 1}, {1, 1}, {1, 1}, 4}, true},
      {"depthwise, 13 wide",
       {3, 4, 6, 13},
       {4, 1, 3, 3},
       {{1, 1}, {1, 1}, {1, 1}, 4},
       true},
      {"depthwise, 16 wide, batch 1", {1, 3, 5, 16}, {3, 1, 3, 3}, {{1, 1}, {1, 1}, {1, 1}, 3},
       false},
      {"depthwise, 4 wide, odd plane count",
       {3, 5, 4, 4},
       {5, 1, 3, 3},
       {{1, 1}, {1, 1}, {1, 1}, 5},
       true},
      {"depthwise, 3 wide, batch 1",
       {1, 7, 5, 3},
       {7, 1, 3, 3},
       {{1, 1}, {1, 1}, {1, 1}, 7},
       false},
      {"depthwise, one row", {2, 3, 1, 9}, {3, 1, 3, 3}, {{1, 1}, {1, 1}, {1, 1}, 3}, true},
      {"depthwise, 1x1 planes", {3, 2, 1, 1}, {2, 1, 3, 3}, {{1, 1}, {1, 1}, {1, 1}, 2}, true},
      {"depthwise, no padding", {2, 6, 7, 9}, {6, 1, 3, 3}, {{1, 1}, {0, 0}, {1, 1}, 6}, true},
      {"depthwise, stride 2, batch 1", {1, 6, 9, 7}, {6, 1, 3, 3}, {{2, 2}, {1, 1}, {1, 1}, 6},
       false},
      {"depthwise, dilation 2", {2, 4, 9, 8}, {4, 1, 3, 3}, {{1, 1}, {2, 2}, {2, 2}, 4}, false},
      {"1x1", {2, 16, 6, 6}, {8, 16, 1, 1}, {{1, 1}, {0, 0}, {1, 1}, 1}, true},
      {"rectangular everything", {2, 3, 11, 13}, {5, 3, 5, 3}, {{2, 1}, {2, 1}, {1, 2}, 1}, true},
      {"wide layer", {4, 32, 16, 16}, {64, 32, 3, 3}, {{1, 1}, {1, 1}, {1, 1}, 1}, true},
      {"no padding, stride 3", {2, 4, 12, 10}, {6, 4, 4, 2}, {{3, 3}, {0, 0}, {1, 1}, 1}, false},
  };
}

}  // namespace chase::test
