#include "chase/models/msdnet_presets.h"

#include <algorithm>
#include <array>
#include <vector>

#include <fmt/ranges.h>

#include "tensor/error.h"

namespace chase {

namespace {

// The CIFAR recipe of both official repositories: 16 channels at the finest
// scale, growth 6, three scales with factors 1-2-4 (args.py defaults), prune max,
// bottlenecks, reduction 0.5.
MsdnetConfig cifar_recipe(std::int64_t n_blocks, MsdnetStepMode mode, std::int64_t step,
                          std::int64_t base) {
  MsdnetConfig c;
  c.in_channels = 3;
  c.num_classes = 10;
  c.stem = MsdnetStem::cifar;
  c.n_blocks = n_blocks;
  c.n_channels = 16;
  c.base = base;
  c.step_mode = mode;
  c.step = step;
  c.growth_rate = 6;
  c.gr_factor = {1, 2, 4};
  c.bn_factor = {1, 2, 4};
  return c;
}

MsdnetConfig imagenet_recipe() {
  MsdnetConfig c;
  c.in_channels = 3;
  c.num_classes = 1000;
  c.stem = MsdnetStem::imagenet;
  c.n_blocks = 5;
  c.n_channels = 32;
  c.base = 4;
  c.step_mode = MsdnetStepMode::even;
  c.step = 4;
  c.growth_rate = 16;
  c.gr_factor = {1, 2, 4, 4};
  c.bn_factor = {1, 2, 4, 4};
  return c;
}

MsdnetConfig fmnist_recipe() {
  auto c = cifar_recipe(5, MsdnetStepMode::even, 2, 4);
  c.in_channels = 1;
  return c;
}

// Commits of the files read (kalviny/MSDNet-PyTorch: models/msdnet.py 9a6386e3,
// args.py 4d9d68ce, main.py caac1116, op_counter.py 6c08a226, README.md b4e083cd,
// run_*.sh aa62bd15; gaohuang/MSDNet: README.md 0589d176): docs/msdnet.md.
const std::vector<MsdnetPreset>& table() {
  static const std::vector<MsdnetPreset> presets = {
      {"msdnet-cifar-anytime",
       "anytime prediction on CIFAR: gaohuang/MSDNet README `th main.lua -dataset cifar10 "
       "-nBlocks 10 -stepmode even -step 2 -base 4`; kalviny/MSDNet-PyTorch "
       "run_anytime_cifar.sh `main.py --data cifar10 --arch msdnet --nBlocks 10 --stepmode even "
       "--step 2 --base 4 --nChannels 16` (growthRate 6, grFactor/bnFactor 1-2-4: args.py)",
       cifar_recipe(10, MsdnetStepMode::even, 2, 4), {3, 32, 32}},
      {"msdnet-cifar-budget",
       "budgeted batch classification on CIFAR: gaohuang/MSDNet README `th main.lua -dataset "
       "cifar10 -nBlocks 7 -stepmode lin_grow -step 1 -base 1`; as kalviny/MSDNet-PyTorch "
       "`main.py --data cifar10 --arch msdnet --nBlocks 7 --stepmode lin_grow --step 1 --base 1 "
       "--nChannels 16`",
       cifar_recipe(7, MsdnetStepMode::lin_grow, 1, 1), {3, 32, 32}},
      {"msdnet-imagenet",
       "ImageNet: kalviny/MSDNet-PyTorch README `main.py --data ImageNet --arch msdnet "
       "--nBlocks 5 --stepmode even --step 4 --base 4 --nChannels 32 --growthRate 16 "
       "--grFactor 1-2-4-4 --bnFactor 1-2-4-4`, 224x224",
       imagenet_recipe(), {3, 224, 224}},
      {"msdnet-fmnist",
       "Fashion-MNIST (this project's sizing, docs/msdnet.md): the CIFAR anytime recipe's "
       "widths and first layer on 1x28x28 images (scales 28, 14, 7) with 5 blocks: "
       "`main.py --data cifar10 --arch msdnet --nBlocks 5 --stepmode even --step 2 --base 4 "
       "--nChannels 16` with a 1-channel first layer",
       fmnist_recipe(), {1, 28, 28}},
  };
  return presets;
}

const std::vector<std::string>& names() {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> n;
    for (const auto& p : table()) n.push_back(p.name);
    return n;
  }();
  return list;
}

}  // namespace

std::span<const MsdnetPreset> msdnet_presets() { return table(); }
std::span<const std::string> msdnet_preset_names() { return names(); }

bool is_msdnet_preset(const std::string& name) {
  return std::find(names().begin(), names().end(), name) != names().end();
}

const MsdnetPreset& msdnet_preset(const std::string& name) {
  for (const auto& p : table()) {
    if (p.name == name) return p;
  }
  throw Error(fmt::format("MSDNet: unknown preset '{}', expected one of {}", name,
                          fmt::join(names(), ", ")));
}

MsdnetConfig msdnet_preset_config(const std::string& name, data::ImageShape input,
                                  std::int64_t num_classes) {
  auto config = msdnet_preset(name).config;
  CHASE_CHECK(input.channels > 0, "{}: input channels must be positive, got {}", name,
              input.channels);
  CHASE_CHECK(num_classes > 0, "{}: the number of classes must be positive, got {}", name,
              num_classes);
  config.in_channels = input.channels;
  config.num_classes = num_classes;
  try {
    check_msdnet_input(config, input.height, input.width);
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", name, e.what()));
  }
  return config;
}

std::shared_ptr<Msdnet> make_msdnet_preset(const std::string& name, data::ImageShape input,
                                           std::int64_t num_classes, Generator& init) {
  return std::make_shared<Msdnet>(msdnet_preset_config(name, input, num_classes), init);
}

}  // namespace chase
