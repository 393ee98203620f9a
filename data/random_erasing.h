// Random erasing (Zhong et al., "Random Erasing Data Augmentation", 2017), as
// torchvision.transforms.RandomErasing: with probability p, a rectangle of
// area fraction uniform in `scale` and aspect ratio (height / width)
// log-uniform in `ratio` is set to `value`. Up to 10 rectangles are drawn;
// the first that fits strictly inside the image is erased, and when none
// does the image is left as it is. Placed after Normalize, value 0 is the
// dataset's mean colour (torchvision's default placement and value).
#pragma once

#include "data/transforms.h"

namespace chase::data {

struct RandomErasingOptions {
  double probability = 0.5;
  double min_area = 0.02, max_area = 0.33;    // fraction of height * width, in [0, 1]
  double min_aspect = 0.3, max_aspect = 3.3;  // height / width, positive
  float value = 0.0f;
};

class RandomErasing final : public Transform {
 public:
  static constexpr int kMaxTries = 10;  // torchvision's

  explicit RandomErasing(RandomErasingOptions options = {});
  void apply(ImageView image, const SampleRandom& random) const override;

  const RandomErasingOptions& options() const { return options_; }

 private:
  RandomErasingOptions options_;
};

}  // namespace chase::data
