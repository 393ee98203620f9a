#include "chase/models/chase_presets.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

#include "tensor/error.h"

namespace chase {
namespace {

// CIFAR: MSDNet's CIFAR conventions (three scales, factors 1-2-4, bottlenecks,
// reduction 0.5) on a stem that halves 32x32 to 16x16, so scales 16, 8 and 4;
// B = S = 3 blocks (two convolution blocks and the attention block of the
// paper's Fig. 1) of L = 4 layers, an exit every kappa = 2 layers: 6 exits.
// Growth 16 and 32 channels after the stem put the exits at 1.06e7 .. 7.8e7
// multiply-adds (docs/chase.md), the paper's CIFAR range, with exit 3 at 2.9e7
// near the 2.7e7 where the paper reports CHASE's 95% on CIFAR-10.
ChaseConfig cifar_config(std::int64_t num_classes) {
  ChaseConfig c;
  c.in_channels = 3;
  c.num_classes = num_classes;
  c.stem_channels = 32;
  c.stem_stride = 2;
  c.first_channels = 32;
  c.n_blocks = 3;
  c.layers_per_block = 4;
  c.kappa = 2;
  c.growth = 16;
  c.gr_factor = {1, 2, 4};
  c.bn_factor = {1, 2, 4};
  c.gal = GalPlacement::last_block;
  c.gal_heads = 4;
  c.gal_mlp_ratio = 1;
  c.classifier_channels = 128;
  return c;
}

// ImageNet: MSDNet's ImageNet conventions (four scales, factors 1-2-4-4) on a
// stem that divides 224 by 4 (56, 28, 14, 7, MSDNet's first scale), B = S = 4
// blocks of 4 layers, an exit every 2: 8 exits at 0.36e9 .. 2.73e9 multiply-adds,
// the paper's 0.3e9 .. 2.6e9.
ChaseConfig imagenet_config() {
  ChaseConfig c;
  c.in_channels = 3;
  c.num_classes = 1000;
  c.stem_channels = 48;
  c.stem_stride = 4;
  c.first_channels = 64;
  c.n_blocks = 4;
  c.layers_per_block = 4;
  c.kappa = 2;
  c.growth = 28;
  c.gr_factor = {1, 2, 4, 4};
  c.bn_factor = {1, 2, 4, 4};
  c.gal = GalPlacement::last_block;
  c.gal_heads = 8;
  c.gal_mlp_ratio = 1;
  c.classifier_channels = 256;
  return c;
}

// Fashion-MNIST: the CIFAR layout on 28x28 grey images (scales 14, 7, 4), with
// 24 channels out of the stem and growth 8: 3.8 to 23.8 MMACs per exit, about
// 300 images/s for a training step on two cores, so that its recipe
// (chase/train/train_recipe.cpp) trains in about 90 minutes (docs/chase.md).
ChaseConfig fmnist_config() {
  ChaseConfig c = cifar_config(10);
  c.in_channels = 1;
  c.stem_channels = 24;
  c.first_channels = 24;
  c.growth = 8;
  return c;
}

ChaseConfig without_cam(ChaseConfig c) {
  c.cam = false;
  return c;
}
ChaseConfig with_gal(ChaseConfig c, GalPlacement placement) {
  c.gal = placement;
  return c;
}

const std::vector<ChasePreset>& table() {
  static const std::vector<ChasePreset> presets = [] {
    const data::ImageShape cifar{3, 32, 32}, imagenet{3, 224, 224}, fmnist{1, 28, 28};
    const auto none = GalPlacement::none, two = GalPlacement::last_two_blocks;
    std::vector<ChasePreset> list{
        {"chase-cifar10", "CHASE for CIFAR-10", cifar_config(10), cifar},
        {"chase-cifar100", "CHASE for CIFAR-100", cifar_config(100), cifar},
        {"chase-imagenet", "CHASE for ImageNet", imagenet_config(), imagenet},
        {"chase-fmnist", "CHASE for Fashion-MNIST", fmnist_config(), fmnist},
        {"chase-fmnist-nocam", "chase-fmnist without CAM (ablation)",
         without_cam(fmnist_config()), fmnist},
        {"chase-fmnist-nogal", "chase-fmnist without GAL (ablation)",
         with_gal(fmnist_config(), none), fmnist},
        {"chase-fmnist-plain", "chase-fmnist without CAM and GAL (ablation)",
         with_gal(without_cam(fmnist_config()), none), fmnist},
        {"chase-fmnist-gal2", "chase-fmnist with GAL in the two final blocks (ablation)",
         with_gal(fmnist_config(), two), fmnist},
    };
    for (const auto& preset : list) validate(preset.config);
    return list;
  }();
  return presets;
}

}  // namespace

std::span<const ChasePreset> chase_presets() { return table(); }

const ChasePreset& chase_preset(const std::string& name) {
  for (const auto& preset : table()) {
    if (preset.name == name) return preset;
  }
  std::vector<std::string> names;
  for (const auto& preset : table()) names.push_back(preset.name);
  throw Error(fmt::format("unknown CHASE preset '{}', expected one of {}", name,
                          fmt::join(names, ", ")));
}

std::shared_ptr<ChaseNet> make_chase_preset(const std::string& name, data::ImageShape input,
                                            std::int64_t num_classes, Generator& init) {
  ChaseConfig config = chase_preset(name).config;
  config.in_channels = input.channels;
  config.num_classes = num_classes;
  CHASE_CHECK(input.height >= 8 && input.width >= 8,
              "{}: images of at least 8x8 pixels expected, got {}x{}", name, input.height,
              input.width);
  return std::make_shared<ChaseNet>(config, init);
}

}  // namespace chase
