#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>
#include <string>
#include <vector>

#include "models/SwinTransformer.h"
#include "models/SwinUnetr.h"
#include "ren/core/Error.h"
#include "ren/models/ExpertNetwork.h"

namespace ren::models {
namespace {

using swin::Triple;

/// Grid 32 (the smallest SwinUNETR accepts), feature size 12, window 3: the stages run at 16^3
/// (padded to 18, shifted by 1), 8^3 (padded to 9), 4^3 (padded to 6) and 2^3 (window shrunk to 2,
/// no shift). Window 7 is exercised on single stages (BasicLayerWithWindow7...): its 343-token
/// windows make whole-network tests slow.
NetworkSpec smallSpec() {
  NetworkSpec spec;
  spec.grid = 32;
  spec.swinunetr.featureSize = 12;
  spec.swinunetr.window = 3;
  return spec;
}

std::vector<std::int64_t> cubeShape(std::int64_t batch, std::int64_t channels, std::int64_t side) {
  return {batch, channels, side, side, side};
}

std::string configErrorMessage(const NetworkSpec& spec) {
  try {
    NetworkRegistry::instance().get("swinunetr").validate(spec);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(SwinUnetr, BackboneParameterCountsMatchMonai) {
  torch::manual_seed(0);
  SwinUnetrSize fs48;  // defaults: feature size 48, patch 2, window 7, depths 2,2,2,2, heads 3,6,12,24
  SwinUnetrBackbone reference(fs48, /*inChannels=*/1, /*outChannels=*/2);
  EXPECT_EQ(parameterCount(*reference), 62186708);
  EXPECT_EQ(parameterCount(*reference->swinViT), 8062002);
  EXPECT_EQ(parameterCount(*reference->out), 98);

  SwinUnetrSize fs24;
  fs24.featureSize = 24;
  SwinUnetrBackbone small(fs24, 1, 2);
  EXPECT_EQ(parameterCount(*small), 15703004);
  // Per stage of C channels and h heads: 2 blocks x (12 C^2 + 13 C + 2197 h) + merging 16 C^2 + 16 C.
  EXPECT_EQ(parameterCount(*small->swinViT), 2171466);
}

TEST(SwinUnetr, RegisteredNetworkParameterCounts) {
  torch::manual_seed(0);
  NetworkSpec spec;  // grid 96, 1 channel, 2 classes, feature size 48, head_pool decoder
  // MONAI SwinUNETR with out_channels 48 (62,186,708 - 98 + 2,352) + Linear(48, 2) (98).
  EXPECT_EQ(parameterCount(*buildNetwork("swinunetr", spec)), 62189060);
  // Bottleneck head (feature size 24): swinViT 2,171,466 + encoder10 (2 x 384*384*27) + Linear(384, 2);
  // no decoder.
  spec.swinunetr.headPool = "bottleneck";
  spec.swinunetr.featureSize = 24;
  EXPECT_EQ(parameterCount(*buildNetwork("swinunetr", spec)), 2171466 + 2 * 384 * 384 * 27 + 384 * 2 + 2);
}

TEST(SwinUnetr, ShapesAtEveryStageOnASmallGrid) {
  torch::manual_seed(1);
  const auto spec = smallSpec();
  SwinUnetrBackbone backbone(spec.swinunetr, 1, 2);
  backbone->eval();
  torch::NoGradGuard noGrad;
  const auto x = torch::randn({2, 1, 32, 32, 32});
  const auto a = backbone->run(x);
  ASSERT_EQ(a.hidden.size(), 5u);
  EXPECT_EQ(a.hidden[0].sizes(), torch::IntArrayRef(cubeShape(2, 12, 16)));
  EXPECT_EQ(a.hidden[1].sizes(), torch::IntArrayRef(cubeShape(2, 24, 8)));
  EXPECT_EQ(a.hidden[2].sizes(), torch::IntArrayRef(cubeShape(2, 48, 4)));
  EXPECT_EQ(a.hidden[3].sizes(), torch::IntArrayRef(cubeShape(2, 96, 2)));
  EXPECT_EQ(a.hidden[4].sizes(), torch::IntArrayRef(cubeShape(2, 192, 1)));
  EXPECT_EQ(a.enc0.sizes(), torch::IntArrayRef(cubeShape(2, 12, 32)));
  EXPECT_EQ(a.enc1.sizes(), torch::IntArrayRef(cubeShape(2, 12, 16)));
  EXPECT_EQ(a.enc2.sizes(), torch::IntArrayRef(cubeShape(2, 24, 8)));
  EXPECT_EQ(a.enc3.sizes(), torch::IntArrayRef(cubeShape(2, 48, 4)));
  EXPECT_EQ(a.dec4.sizes(), torch::IntArrayRef(cubeShape(2, 192, 1)));
  EXPECT_EQ(a.dec3.sizes(), torch::IntArrayRef(cubeShape(2, 96, 2)));
  EXPECT_EQ(a.dec2.sizes(), torch::IntArrayRef(cubeShape(2, 48, 4)));
  EXPECT_EQ(a.dec1.sizes(), torch::IntArrayRef(cubeShape(2, 24, 8)));
  EXPECT_EQ(a.dec0.sizes(), torch::IntArrayRef(cubeShape(2, 12, 16)));
  EXPECT_EQ(a.out.sizes(), torch::IntArrayRef(cubeShape(2, 12, 32)));
  EXPECT_EQ(a.logits.sizes(), torch::IntArrayRef(cubeShape(2, 2, 32)));
  EXPECT_TRUE(torch::isfinite(a.logits).all().item<bool>());

  auto net = buildNetwork("swinunetr", spec);
  net->eval();
  EXPECT_EQ(net->featureDim(), 12);
  EXPECT_EQ(net->forward(x).sizes(), torch::IntArrayRef({2, 2}));
  EXPECT_EQ(net->features(x).sizes(), torch::IntArrayRef({2, 12}));
}

TEST(SwinUnetr, BottleneckHeadSkipsTheDecoder) {
  torch::manual_seed(2);
  auto spec = smallSpec();
  spec.swinunetr.headPool = "bottleneck";
  spec.swinunetr.window = 2;  // shifted windows on the 16^3, 8^3 and 4^3 stages
  auto net = buildNetwork("swinunetr", spec);
  std::set<std::string> children;
  for (const auto& c : net->named_children()) children.insert(c.key());
  EXPECT_EQ(children, (std::set<std::string>{"swinViT", "encoder10", "head"}));
  EXPECT_EQ(net->featureDim(), 192);
  net->eval();
  torch::NoGradGuard noGrad;
  const auto x = torch::randn({2, 1, 32, 32, 32});
  EXPECT_EQ(net->features(x).sizes(), torch::IntArrayRef({2, 192}));
  EXPECT_EQ(net->forward(x).sizes(), torch::IntArrayRef({2, 2}));
}

TEST(SwinUnetr, ParametersAndBuffersHaveMonaiNames) {
  torch::manual_seed(3);
  auto net = buildNetwork("swinunetr", smallSpec());
  const auto params = net->named_parameters();
  for (const auto* name : {"swinViT.patch_embed.proj.weight",
                           "swinViT.patch_embed.proj.bias",
                           "swinViT.layers1.0.blocks.0.norm1.weight",
                           "swinViT.layers1.0.blocks.0.attn.qkv.weight",
                           "swinViT.layers1.0.blocks.0.attn.qkv.bias",
                           "swinViT.layers1.0.blocks.1.attn.relative_position_bias_table",
                           "swinViT.layers2.0.blocks.1.attn.proj.weight",
                           "swinViT.layers3.0.blocks.0.mlp.linear1.weight",
                           "swinViT.layers3.0.blocks.0.mlp.linear2.bias",
                           "swinViT.layers4.0.downsample.reduction.weight",
                           "swinViT.layers4.0.downsample.norm.weight",
                           "encoder1.layer.conv1.conv.weight",
                           "encoder1.layer.conv2.conv.weight",
                           "encoder1.layer.conv3.conv.weight",
                           "encoder10.layer.conv2.conv.weight",
                           "decoder5.transp_conv.conv.weight",
                           "decoder5.conv_block.conv1.conv.weight",
                           "decoder5.conv_block.conv3.conv.weight",
                           "decoder1.conv_block.conv2.conv.weight",
                           "out.conv.conv.weight",
                           "out.conv.conv.bias",
                           "head.weight",
                           "head.bias"})
    EXPECT_NE(params.find(name), nullptr) << name;
  // No biases on the UNETR convolutions, no conv3 where channels are kept, no affine instance norms.
  EXPECT_EQ(params.find("encoder1.layer.conv1.conv.bias"), nullptr);
  EXPECT_EQ(params.find("encoder2.layer.conv3.conv.weight"), nullptr);
  EXPECT_EQ(params.find("decoder5.transp_conv.conv.bias"), nullptr);
  EXPECT_EQ(params.find("swinViT.layers1.0.downsample.reduction.bias"), nullptr);
  EXPECT_EQ(params.find("swinViT.layers1.0.blocks.0.attn.relative_position_index"), nullptr);
  const auto buffers = net->named_buffers();
  const auto* index = buffers.find("swinViT.layers1.0.blocks.0.attn.relative_position_index");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->sizes(), torch::IntArrayRef({27, 27}));
  EXPECT_EQ(params["swinViT.layers2.0.blocks.0.attn.relative_position_bias_table"].sizes(),
            torch::IntArrayRef({125, 6}));
}

TEST(SwinUnetr, WindowPartitionThenReverseIsTheIdentity) {
  const auto x = torch::randn({2, 4, 6, 8, 3});
  const Triple window{2, 3, 4};
  const auto windows = swin::windowPartition(x, window);
  EXPECT_EQ(windows.sizes(), torch::IntArrayRef({2 * 2 * 2 * 2, 24, 3}));
  // Window 0 holds x[0, 0:2, 0:3, 0:4] in raster order; window 1 is the next one along the last axis.
  EXPECT_TRUE(torch::equal(windows[0], x[0].slice(0, 0, 2).slice(1, 0, 3).slice(2, 0, 4).reshape({24, 3})));
  EXPECT_TRUE(torch::equal(windows[1], x[0].slice(0, 0, 2).slice(1, 0, 3).slice(2, 4, 8).reshape({24, 3})));
  EXPECT_TRUE(torch::equal(swin::windowReverse(windows, window, 2, {4, 6, 8}), x));
}

TEST(SwinUnetr, EffectiveWindowShrinksAndDropsTheShiftOnSmallSides) {
  const auto cubic = swin::effectiveWindow({6, 6, 6}, {7, 7, 7}, {3, 3, 3});
  EXPECT_EQ(cubic.window, (Triple{6, 6, 6}));
  EXPECT_EQ(cubic.shift, (Triple{0, 0, 0}));
  const auto mixed = swin::effectiveWindow({7, 8, 3}, {7, 7, 7}, {3, 3, 3});
  EXPECT_EQ(mixed.window, (Triple{7, 7, 3}));  // side == window also shrinks (and keeps the side)
  EXPECT_EQ(mixed.shift, (Triple{0, 3, 0}));
  const auto large = swin::effectiveWindow({48, 48, 48}, {7, 7, 7}, {0, 0, 0});
  EXPECT_EQ(large.window, (Triple{7, 7, 7}));
  EXPECT_EQ(swin::paddedSide({48, 24, 12}, {7, 7, 7}), (Triple{49, 28, 14}));
  EXPECT_EQ(swin::paddedSide({6, 6, 6}, {6, 6, 6}), (Triple{6, 6, 6}));
}

TEST(SwinUnetr, ShiftedWindowMaskHasTheRegionStructure) {
  // Padded map 4^3, window 2, shift 1: per axis the slices [0,2) [2,3) [3,4) -> 27 regions.
  const Triple padded{4, 4, 4}, window{2, 2, 2}, shift{1, 1, 1};
  const auto ids = swin::shiftRegionIds(padded, window, shift);
  EXPECT_EQ(std::get<0>(at::_unique(ids.flatten())).numel(), 27);
  EXPECT_EQ(ids[0][0][0].item<std::int64_t>(), 0);
  EXPECT_EQ(ids[3][3][3].item<std::int64_t>(), 26);
  EXPECT_EQ(ids[2][0][3].item<std::int64_t>(), 9 * 1 + 3 * 0 + 2);

  const auto mask = swin::shiftedWindowMask(padded, window, shift, torch::kCPU);
  ASSERT_EQ(mask.sizes(), torch::IntArrayRef({8, 8, 8}));
  const auto perWindow = swin::windowPartition(ids.view({1, 4, 4, 4, 1}), window).squeeze(-1);
  const auto same = perWindow.unsqueeze(1) == perWindow.unsqueeze(2);
  EXPECT_TRUE(torch::equal(mask == 0, same));
  EXPECT_TRUE(torch::equal(mask != 0, mask == -100));
  EXPECT_EQ((mask[0] == 0).sum().item<std::int64_t>(), 64);  // first window: one region
  // Last window: 8 tokens in 8 different regions -> only the diagonal is unmasked.
  EXPECT_TRUE(torch::equal(mask[7] == 0, torch::eye(8, torch::kBool)));

  // A zero shift on an axis does not split it (Python's [-0:] is the whole axis).
  EXPECT_EQ(std::get<0>(at::_unique(swin::shiftRegionIds(padded, window, {0, 1, 1}).flatten())).numel(), 9);
}

TEST(SwinUnetr, ShiftedBlocksDifferFromUnshiftedOnes) {
  torch::manual_seed(4);
  const Triple window{2, 2, 2};
  swin::SwinTransformerBlock plain(8, 2, window, Triple{0, 0, 0});
  swin::SwinTransformerBlock shifted(8, 2, window, Triple{1, 1, 1});
  {
    torch::NoGradGuard noGrad;
    const auto from = plain->named_parameters();
    for (auto& p : shifted->named_parameters()) p.value().copy_(from[p.key()]);
  }
  const auto x = torch::randn({1, 4, 4, 4, 8});
  const auto mask = swin::shiftedWindowMask({4, 4, 4}, window, {1, 1, 1}, torch::kCPU);
  const auto a = plain->forward(x, mask);  // an unshifted block ignores the mask
  const auto b = shifted->forward(x, mask);
  EXPECT_TRUE(torch::allclose(a, plain->forward(x, torch::Tensor())));
  EXPECT_FALSE(torch::allclose(a, b, 1e-3, 1e-3));
  // On a side <= window the shift is dropped: both blocks agree.
  const auto small = torch::randn({1, 2, 2, 2, 8});
  EXPECT_TRUE(torch::allclose(plain->forward(small, {}), shifted->forward(small, {}), 1e-6, 1e-6));
  // Odd side 5 with window 2: zero-padded to 6, cropped back.
  const auto odd = torch::randn({2, 5, 5, 5, 8});
  const auto oddOut = shifted->forward(odd, swin::shiftedWindowMask({6, 6, 6}, window, {1, 1, 1}, torch::kCPU));
  EXPECT_EQ(oddOut.sizes(), odd.sizes());
  EXPECT_TRUE(torch::isfinite(oddOut).all().item<bool>());
}

TEST(SwinUnetr, BasicLayerWithWindow7PadsShiftsAndShrinks) {
  torch::manual_seed(10);
  swin::BasicLayer layer(6, 2, 2, Triple{7, 7, 7});
  EXPECT_EQ(layer->shift, (Triple{3, 3, 3}));
  EXPECT_EQ(layer->blocks->size(), 2u);
  EXPECT_EQ(layer->blocks[1]->as<swin::SwinTransformerBlock>()->shift, (Triple{3, 3, 3}));
  EXPECT_EQ(layer->blocks[0]->as<swin::SwinTransformerBlock>()->shift, (Triple{0, 0, 0}));
  torch::NoGradGuard noGrad;
  // Side 8 > 7: padded to 14, 8 windows of 343 tokens, shifted by 3 with the mask. Side 6: window 6,
  // 216 tokens using the top-left 216 x 216 block of the 343 x 343 index (as MONAI), no shift.
  for (const std::int64_t side : {8, 6}) {
    const auto y = layer(torch::randn({1, 6, side, side, side}));
    EXPECT_EQ(y.sizes(), torch::IntArrayRef(cubeShape(1, 12, side / 2)));
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  }
  // Non-cubic: sides 8 x 6 x 3 -> windows 7 x 6 x 3, shifts 3 x 0 x 0; odd side 3 merges to 2.
  EXPECT_EQ(layer(torch::randn({1, 6, 8, 6, 3})).sizes(), torch::IntArrayRef({1, 12, 4, 3, 2}));
}

TEST(SwinUnetr, ChunkedWindowAttentionEqualsOneShot) {
  torch::manual_seed(11);
  const Triple window{3, 3, 3};
  swin::WindowAttention attention(12, 3, window);
  const auto x = torch::randn({2 * 8, 27, 12});  // 2 samples x 8 windows
  const auto mask = swin::shiftedWindowMask({6, 6, 6}, window, {1, 1, 1}, torch::kCPU);
  torch::NoGradGuard noGrad;
  const auto whole = attention->attend(x, mask);
  attention->maxChunkElements = 3 * 27 * 27 * 3;  // chunks of 3 windows (3, 3, 2 per sample)
  EXPECT_TRUE(torch::allclose(attention(x, mask), whole, 1e-5, 1e-6));
  attention->maxChunkElements = 1;  // one window at a time
  EXPECT_TRUE(torch::allclose(attention(x, mask), whole, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(attention(x, torch::Tensor()), attention->attend(x, torch::Tensor()), 1e-5, 1e-6));
  EXPECT_FALSE(torch::allclose(attention(x, torch::Tensor()), whole, 1e-3, 1e-3));  // the mask matters
}

TEST(SwinUnetr, RelativePositionIndexIsASymmetricBuffer) {
  const Triple window{3, 3, 3};
  const auto index = swin::relativePositionIndex(window);
  ASSERT_EQ(index.sizes(), torch::IntArrayRef({27, 27}));
  EXPECT_EQ(index.min().item<std::int64_t>(), 0);
  EXPECT_EQ(index.max().item<std::int64_t>(), 124);                                        // (2w-1)^3 - 1
  EXPECT_TRUE(torch::equal(index.diagonal(), torch::full({27}, 62, torch::kLong)));        // zero offset: the centre
  EXPECT_TRUE(torch::equal(index + index.t(), torch::full({27, 27}, 124, torch::kLong)));  // (i,j) mirrors (j,i)
  // token 0 = (0,0,0), token 2*9 + 1*3 + 0 = (2,1,0): offset (-2,-1,0) -> 0*25 + 1*5 + 2.
  EXPECT_EQ(index[0][21].item<std::int64_t>(), 7);
  EXPECT_EQ(std::get<0>(at::_unique(index.flatten())).numel(), 125);

  swin::WindowAttention attention(12, 3, window);
  EXPECT_EQ(attention->named_buffers().size(), 1u);
  EXPECT_TRUE(torch::equal(attention->named_buffers()["relative_position_index"], index));
  EXPECT_EQ(attention->named_parameters().find("relative_position_index"), nullptr);
  const auto table = attention->named_parameters()["relative_position_bias_table"];
  EXPECT_EQ(table.sizes(), torch::IntArrayRef({125, 3}));
  EXPECT_TRUE(table.requires_grad());
}

TEST(SwinUnetr, BiasTableIsTruncatedNormalWithStd002) {
  torch::manual_seed(5);
  swin::WindowAttention attention(24, 8, Triple{7, 7, 7});  // 2197 x 8 entries
  const auto table = attention->relative_position_bias_table.detach();
  EXPECT_NEAR(table.mean().item<double>(), 0.0, 0.002);
  EXPECT_NEAR(table.std().item<double>(), 0.02, 0.001);
}

TEST(SwinUnetr, PatchMergingUsesMonaiNeighbourOrder) {
  // C = 1 on a 2^3 map with x[d][h][w] = 1 + 4d + 2h + w: the concatenation is
  // (0,0,0) (1,0,0) (0,1,0) (0,0,1) (1,0,1) (0,1,0) (0,0,1) (1,1,1) -> 1 5 3 2 6 3 2 8.
  swin::PatchMerging merging(1);
  const auto x = (torch::arange(8, torch::kFloat) + 1).view({1, 2, 2, 2, 1});
  const auto expected = torch::layer_norm(torch::tensor({1.f, 5.f, 3.f, 2.f, 6.f, 3.f, 2.f, 8.f}), {8});
  torch::NoGradGuard noGrad;
  for (std::int64_t k = 0; k < 8; k += 2) {
    merging->reduction->weight.zero_();
    merging->reduction->weight[0][k] = 1.0;
    merging->reduction->weight[1][k + 1] = 1.0;
    const auto y = merging(x);
    ASSERT_EQ(y.sizes(), torch::IntArrayRef({1, 1, 1, 1, 2}));
    EXPECT_NEAR(y.flatten()[0].item<float>(), expected[k].item<float>(), 1e-5) << k;
    EXPECT_NEAR(y.flatten()[1].item<float>(), expected[k + 1].item<float>(), 1e-5) << k;
  }
  // Odd sides are zero-padded: 3^3 -> 2^3.
  EXPECT_EQ(swin::PatchMerging(4)(torch::randn({2, 3, 3, 3, 4})).sizes(), torch::IntArrayRef({2, 2, 2, 2, 8}));
}

TEST(SwinUnetr, HiddenStatesAreChannelNormalised) {
  torch::manual_seed(6);
  const auto size = smallSpec().swinunetr;
  swin::SwinTransformer encoder(1, size.featureSize, size.patch, size.window, size.depths, size.heads);
  torch::NoGradGuard noGrad;
  const auto x = torch::randn({1, 1, 32, 32, 32}) * 3 + 1;
  for (const auto& h : encoder(x, /*normalize=*/true)) {
    EXPECT_LT(h.mean(1).abs().max().item<double>(), 1e-4);
    EXPECT_LT((h.var(1, /*unbiased=*/false) - 1).abs().max().item<double>(), 1e-2);
  }
  const auto raw = encoder(x, /*normalize=*/false);
  EXPECT_GT((raw[0].var(1, false) - 1).abs().max().item<double>(), 0.05);
}

TEST(SwinUnetr, BackwardGivesFiniteGradientsEverywhere) {
  torch::manual_seed(7);
  auto net = buildNetwork("swinunetr", smallSpec());
  net->train();
  const auto x = torch::randn({2, 1, 32, 32, 32});
  const auto loss = torch::cross_entropy_loss(net->forward(x), torch::tensor({0, 1}, torch::kLong));
  loss.backward();
  for (const auto& p : net->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
  }
  EXPECT_GT(net->named_parameters()["swinViT.layers1.0.blocks.1.attn.relative_position_bias_table"]
                .grad()
                .abs()
                .sum()
                .item<double>(),
            0.0);
}

TEST(SwinUnetr, EvalBatchEqualsSamplesOneByOne) {
  torch::manual_seed(8);
  auto net = buildNetwork("swinunetr", smallSpec());
  net->eval();
  torch::NoGradGuard noGrad;
  const auto x = torch::randn({2, 1, 32, 32, 32});
  const auto batch = net->forward(x);
  EXPECT_TRUE(torch::allclose(batch[0], net->forward(x.slice(0, 0, 1))[0], 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(batch[1], net->forward(x.slice(0, 1, 2))[0], 1e-4, 1e-5));
}

TEST(SwinUnetr, ValidateNamesTheKeyAndTheRule) {
  EXPECT_EQ(configErrorMessage(NetworkSpec{}), "");
  auto spec = smallSpec();
  spec.grid = 40;
  EXPECT_TRUE(contains(configErrorMessage(spec), "preprocess.grid = 40"));
  EXPECT_TRUE(contains(configErrorMessage(spec), "32"));
  spec = smallSpec();
  spec.swinunetr.featureSize = 30;
  EXPECT_TRUE(contains(configErrorMessage(spec), "swinunetr.feature_size"));
  spec = smallSpec();
  spec.swinunetr.headPool = "max";
  EXPECT_TRUE(contains(configErrorMessage(spec), "swinunetr.head_pool"));
  EXPECT_TRUE(contains(configErrorMessage(spec), "decoder, bottleneck"));
  spec = smallSpec();
  spec.swinunetr.heads = {3, 6, 12, 25};
  EXPECT_TRUE(contains(configErrorMessage(spec), "swinunetr.heads"));
  spec = smallSpec();
  spec.swinunetr.depths = {2, 2, 2};
  EXPECT_TRUE(contains(configErrorMessage(spec), "swinunetr.depths"));
  spec.grid = 40;
  EXPECT_THROW(buildNetwork("swinunetr", spec), ConfigError);

  torch::manual_seed(9);
  auto net = buildNetwork("swinunetr", smallSpec());
  torch::NoGradGuard noGrad;
  EXPECT_THROW(net->forward(torch::zeros({1, 1, 32, 32, 40})), InputError);
  EXPECT_THROW(net->forward(torch::zeros({1, 2, 32, 32, 32})), InputError);
}

TEST(SwinUnetr, FlopsAreTheAnalyticCount) {
  const auto& def = NetworkRegistry::instance().get("swinunetr");
  EXPECT_FALSE(def.description.empty());
  EXPECT_EQ(def.description.find('\n'), std::string::npos);
  // Independent evaluation of the formula documented in SwinUnetr.cpp.
  EXPECT_DOUBLE_EQ(def.flopsPerVolume(NetworkSpec{}), 639937243968.0);
  EXPECT_DOUBLE_EQ(def.flopsPerVolume(smallSpec()), 1473530736.0);
  auto bottleneck = smallSpec();
  bottleneck.swinunetr.headPool = "bottleneck";
  bottleneck.swinunetr.window = 2;
  EXPECT_DOUBLE_EQ(def.flopsPerVolume(bottleneck), 66454272.0);
}

}  // namespace
}  // namespace ren::models
