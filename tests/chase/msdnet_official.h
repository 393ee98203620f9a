// The official MSDNet figures, from running the official PyTorch code itself
// (never a re-implementation of it), kalviny/MSDNet-PyTorch at these commits:
//   models/msdnet.py 9a6386e3ae9fed4f48a11644a152124b0a49a6d5
//   op_counter.py    6c08a22672641ed4a7a2b3030318fb6c0782319c
//   args.py          4d9d68ce361c15fc5114e04a26e6345a96b2e2f4
//   main.py          caac11167fa48cfc4c8c5e25ed416ebb13cca7cb (nScales = len(grFactor))
// copied outside the repository and run on 2026-12-06 under Debian's PyTorch
// 1.13 (/usr/bin/python3). measure.py is a shim of main.py's lines that build the
// model and call op_counter.measure_model(model, size, size) (docs/msdnet.md has
// it in full): the commands below are its arguments, those of main.py.
//
// Per preset and dataset:
//   params        sum of p.numel() over model.parameters()
//   state_entries number of state-dict entries (parameters and BatchNorm buffers),
//   state_crc32   zlib.crc32 of the sorted lines "name:d0,d1,..." joined by "\n"
//                 (so every name and shape is the official one)
//   exit_macs     op_counter's cls_ops: multiply-adds counted in forward order up to
//                 and including each exit's Linear, so exit k includes every earlier
//                 classifier (conv Cin*Cout*k*k*Hout*Wout/groups, ReLU one per input
//                 element, pooling C*Hout*Wout*k*k, Linear weight + bias, BN 0)
//   exit_params   op_counter's cls_params: parameters of the layers run so far
//
// msdnet-fmnist is this project's preset: the official code was run with
// --data cifar10 (the CIFAR first layer and heads) and two changes made by the
// shim, not in the code: MSDNFirstLayer built with 1 input channel instead of its
// hard-coded 3, and measure_model's zeros(1, 3, H, W) input given 1 channel,
// with H = W = 28.
#pragma once

#include <cstdint>
#include <vector>

namespace chase::test {

struct MsdnetOfficialFigures {
  const char* preset;
  const char* dataset;
  std::int64_t in_channels, size, classes;
  std::int64_t params, state_entries;
  std::uint32_t state_crc32;
  std::vector<std::int64_t> exit_macs, exit_params;
};

inline const std::vector<MsdnetOfficialFigures>& msdnet_official_figures() {
  static const std::vector<MsdnetOfficialFigures> figures = {
      // msdnet-cifar-anytime on cifar10: python3 measure.py --data cifar10 --arch msdnet --nBlocks
      //     10 --stepmode even --step 2 --base 4 --nChannels 16
      {"msdnet-cifar-anytime", "cifar10", 3, 32, 10, 4839544, 1040, 3477585289u,
       {15128842, 25482772, 37753630, 52015400, 62123570, 74001212, 87648326, 99946064, 110017370,
        121563236},
       {422266, 853572, 1346798, 1781396, 2221486, 2723784, 3288290, 3772068, 4273550, 4839544}},
      // msdnet-cifar-anytime on cifar100: python3 measure.py --data cifar100 --arch msdnet
      //     --nBlocks 10 --stepmode even --step 2 --base 4 --nChannels 16
      {"msdnet-cifar-anytime", "cifar100", 3, 32, 100, 4955644, 1040, 458340500u,
       {15140452, 25505992, 37788460, 52061840, 62181620, 74070872, 87729596, 100038944, 110121860,
        121679336},
       {433876, 876792, 1381628, 1827836, 2279536, 2793444, 3369560, 3864948, 4378040, 4955644}},
      // msdnet-cifar-budget on cifar10: python3 measure.py --data cifar10 --arch msdnet --nBlocks 7
      //     --stepmode lin_grow --step 1 --base 1 --nChannels 16
      {"msdnet-cifar-budget", "cifar10", 3, 32, 10, 3885394, 1214, 1061786200u,
       {6848266, 14326804, 27256606, 48402472, 76374578, 108780860, 137199686},
       {288094, 626520, 1076558, 1680760, 2326918, 2982584, 3885394}},
      // msdnet-cifar-budget on cifar100: python3 measure.py --data cifar100 --arch msdnet --nBlocks
      //     7 --stepmode lin_grow --step 1 --base 1 --nChannels 16
      {"msdnet-cifar-budget", "cifar100", 3, 32, 100, 3966664, 1214, 2099828598u,
       {6859876, 14350024, 27291436, 48448912, 76432628, 108850520, 137280956},
       {299704, 649740, 1111388, 1727200, 2384968, 3052244, 3966664}},
      // msdnet-imagenet on imagenet: python3 measure.py --data ImageNet --arch msdnet --nBlocks 5
      //     --stepmode even --step 4 --base 4 --nChannels 32 --growthRate 16 --grFactor 1-2-4-4
      //     --bnFactor 1-2-4-4
      {"msdnet-imagenet", "imagenet", 3, 224, 1000, 23958440, 1127, 342196973u,
       {339902824, 685456720, 1008156120, 1254472688, 1360529624},
       {4238504, 8772240, 13073272, 16748416, 23958440}},
      // msdnet-fmnist on fashion-mnist: python3 measure.py --data cifar10 --arch msdnet --nBlocks 5
      //     --stepmode even --step 2 --base 4 --nChannels 16 --in-channels 1 --size 28
      {"msdnet-fmnist", "fashion-mnist", 1, 28, 10, 1892702, 562, 2756753528u,
       {12187690, 19864088, 27096146, 33235316, 40100462},
       {421978, 763360, 1141242, 1487988, 1892702}},
      // prune-min (msdnet-cifar-anytime with --prune min) on cifar10: python3 measure.py --data
      //     cifar10 --arch msdnet --nBlocks 10 --stepmode even --step 2 --base 4 --nChannels 16
      //     --prune min
      {"prune-min", "cifar10", 3, 32, 10, 4518573, 1466, 3707436489u,
       {15128842, 25482772, 39587358, 49142568, 60614706, 79046204, 88601414, 100073552, 113462618,
        125963876},
       {422266, 853572, 1240890, 1646396, 2113822, 2529955, 2935461, 3402887, 3932233, 4518573}},
  };
  return figures;
}

}  // namespace chase::test
