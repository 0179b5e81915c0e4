#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <vector>

#include "ren/core/Error.h"
#include "ren/models/ExpertNetwork.h"

namespace ren::models {
namespace {

/// Sizes small enough for a forward/backward in milliseconds (grid 16, 64 tokens).
NetworkSpec tinySpec() {
  NetworkSpec spec;
  spec.grid = 16;
  spec.cnn.channels = {4, 8};
  spec.cnn.hidden = {16};
  spec.vit.patch = 4;
  spec.vit.dim = 16;
  spec.vit.depth = 1;
  spec.vit.heads = 2;
  spec.mamba.patch = 4;
  spec.mamba.dModel = 16;
  spec.mamba.depth = 2;
  spec.mamba.dState = 4;
  return spec;
}

std::string configErrorMessage(const std::string& name, const NetworkSpec& spec) {
  try {
    NetworkRegistry::instance().get(name).validate(spec);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ExpertNetworks, ParameterCountsAtDefaultSizesMatchTheMethod) {
  const NetworkSpec spec;  // grid 96, 1 channel, 2 classes
  torch::manual_seed(0);
  EXPECT_EQ(parameterCount(*buildNetwork("cnn", spec)), 42641474);
  EXPECT_EQ(parameterCount(*buildNetwork("vit", spec)), 635714);
  EXPECT_EQ(parameterCount(*buildNetwork("mamba", spec)), 674434);
}

TEST(ExpertNetworks, RegistryListsTheFourNetworks) {
  EXPECT_EQ(NetworkRegistry::instance().names(), (std::vector<std::string>{"cnn", "vit", "mamba", "swinunetr"}));
  for (const auto& name : {"cnn", "vit", "mamba"}) {
    const auto& def = NetworkRegistry::instance().get(name);
    EXPECT_EQ(def.name, name);
    EXPECT_FALSE(def.description.empty());
  }
}

TEST(ExpertNetworks, UnknownNameListsTheRegisteredOnes) {
  try {
    NetworkRegistry::instance().get("nope");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    for (const auto& name : {"nope", "cnn", "vit", "mamba", "swinunetr"})
      EXPECT_TRUE(contains(message, name)) << message;
  }
}

TEST(ExpertNetworks, ValidateNamesTheOffendingKey) {
  NetworkSpec spec;
  spec.grid = 20;
  EXPECT_TRUE(contains(configErrorMessage("vit", spec), "vit.patch"));
  EXPECT_TRUE(contains(configErrorMessage("mamba", spec), "mamba.patch"));
  EXPECT_TRUE(contains(configErrorMessage("cnn", spec), "cnn.channels"));  // 20 is not divisible by 2^3
  EXPECT_THROW(buildNetwork("vit", spec), ConfigError);                   // build validates first

  spec = NetworkSpec{};
  spec.vit.heads = 3;  // 128 % 3 != 0
  EXPECT_TRUE(contains(configErrorMessage("vit", spec), "vit.heads"));
  spec = NetworkSpec{};
  spec.mamba.scan = "fast";
  const auto scanMessage = configErrorMessage("mamba", spec);
  EXPECT_TRUE(contains(scanMessage, "mamba.scan") && contains(scanMessage, "sequential") &&
              contains(scanMessage, "parallel"))
      << scanMessage;
  spec = NetworkSpec{};
  spec.cnn.channels.clear();
  EXPECT_TRUE(contains(configErrorMessage("cnn", spec), "cnn.channels"));

  for (const auto& name : {"cnn", "vit", "mamba"})
    EXPECT_NO_THROW(NetworkRegistry::instance().get(name).validate(tinySpec())) << name;
}

TEST(ExpertNetworks, ParametersHaveReadableNames) {
  torch::manual_seed(1);
  const auto spec = tinySpec();
  auto cnn = buildNetwork("cnn", spec)->named_parameters();
  for (const auto& key : {"conv1.weight", "bn1.weight", "conv2.bias", "bn2.bias", "fc1.weight", "fc_bn1.weight",
                          "head.weight", "head.bias"})
    EXPECT_TRUE(cnn.contains(key)) << key;
  auto vit = buildNetwork("vit", spec)->named_parameters();
  for (const auto& key : {"patch_embed.weight", "cls_token", "pos_embed", "blocks.0.norm1.weight",
                          "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias", "blocks.0.attn.proj.weight",
                          "blocks.0.norm2.bias", "blocks.0.mlp.fc1.weight", "blocks.0.mlp.fc2.weight", "norm.weight",
                          "head.weight"})
    EXPECT_TRUE(vit.contains(key)) << key;
  auto mamba = buildNetwork("mamba", spec)->named_parameters();
  for (const auto& key : {"patch_embed.weight", "pos_embed", "blocks.1.norm.weight", "blocks.1.mixer.in_proj.weight",
                          "blocks.1.mixer.conv1d.weight", "blocks.1.mixer.x_proj.weight", "blocks.1.mixer.dt_proj.bias",
                          "blocks.1.mixer.A_log", "blocks.1.mixer.D", "blocks.1.mixer.out_proj.weight", "norm.weight",
                          "head.bias"})
    EXPECT_TRUE(mamba.contains(key)) << key;
  EXPECT_EQ(vit["pos_embed"].sizes(), (std::vector<std::int64_t>{1, 1 + 64, 16}));
  EXPECT_EQ(mamba["pos_embed"].sizes(), (std::vector<std::int64_t>{1, 64, 16}));
}

TEST(ExpertNetworks, VitInitialisationIsTruncatedNormal) {
  torch::manual_seed(2);
  NetworkSpec spec;  // default sizes: enough samples for the statistics
  auto params = buildNetwork("vit", spec)->named_parameters();
  const auto pos = params["pos_embed"];
  EXPECT_LE(pos.abs().max().item<double>(), 0.04 + 1e-7);
  EXPECT_NEAR(pos.std().item<double>(), 0.02 * 0.8796, 2e-4);  // N(0, 0.02^2) truncated at 2 sigma
  EXPECT_LE(params["blocks.1.attn.qkv.weight"].abs().max().item<double>(), 0.04 + 1e-7);
  EXPECT_EQ(params["blocks.1.attn.qkv.bias"].abs().max().item<double>(), 0.0);
  EXPECT_EQ(params["head.bias"].abs().max().item<double>(), 0.0);
  EXPECT_TRUE(torch::equal(params["norm.weight"], torch::ones({128})));
}

class TinyNetwork : public ::testing::TestWithParam<std::string> {};

TEST_P(TinyNetwork, ForwardFeaturesAndBackwardInTrainMode) {
  torch::manual_seed(3);
  const auto spec = tinySpec();
  auto net = buildNetwork(GetParam(), spec);
  net->train();
  const auto x = torch::randn({2, 1, 16, 16, 16});
  const auto logits = net->forward(x);
  EXPECT_EQ(logits.sizes(), (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(net->featureDim(), 16);
  EXPECT_EQ(net->features(x).sizes(), (std::vector<std::int64_t>{2, 16}));

  const auto loss = torch::cross_entropy_loss(logits, torch::tensor({0, 1}, torch::kLong));
  loss.backward();
  for (const auto& p : net->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
  }
}

TEST_P(TinyNetwork, EvalBatchEqualsSamplesOneByOne) {
  torch::manual_seed(4);
  const auto spec = tinySpec();
  auto net = buildNetwork(GetParam(), spec);
  net->eval();
  torch::NoGradGuard noGrad;
  const auto x = torch::randn({3, 1, 16, 16, 16});
  const auto batch = net->forward(x);
  ASSERT_EQ(batch.sizes(), (std::vector<std::int64_t>{3, 2}));
  for (std::int64_t i = 0; i < 3; ++i) {
    const auto single = net->forward(x.narrow(0, i, 1));
    EXPECT_TRUE(torch::allclose(single, batch.narrow(0, i, 1), 1e-5, 1e-5)) << i;
  }
  const auto features = net->features(x.narrow(0, 1, 1));
  EXPECT_EQ(features.sizes(), (std::vector<std::int64_t>{1, 16}));
}

TEST_P(TinyNetwork, FlopsArePositiveAndGrowWithTheGrid) {
  const auto& def = NetworkRegistry::instance().get(GetParam());
  auto spec = tinySpec();
  const double small = def.flopsPerVolume(spec);
  spec.grid = 32;
  EXPECT_GT(small, 0.0);
  EXPECT_GT(def.flopsPerVolume(spec), 4.0 * small);
}

INSTANTIATE_TEST_SUITE_P(Experts, TinyNetwork, ::testing::Values("cnn", "vit", "mamba"),
                         [](const auto& info) { return info.param; });

TEST(ExpertNetworks, CnnFlopsAreTheAnalyticCount) {
  const auto spec = tinySpec();  // 1 -> 4 -> 8 channels at 16^3 and 8^3, flatten 8 * 4^3 = 512 -> 16 -> 2
  const double expected = 2.0 * 27 * 1 * 4 * 4096 + 2.0 * 27 * 4 * 8 * 512 + 2.0 * 512 * 16 + 2.0 * 16 * 2;
  EXPECT_DOUBLE_EQ(NetworkRegistry::instance().get("cnn").flopsPerVolume(spec), expected);
}

TEST(ExpertNetworks, MambaRunsItsScanInFloatUnderBf16Autocast) {
  torch::manual_seed(5);
  auto net = buildNetwork("mamba", tinySpec());
  net->eval();
  torch::NoGradGuard noGrad;
  const auto x = torch::randn({1, 1, 16, 16, 16});
  const auto reference = net->forward(x);
  at::autocast::set_cpu_enabled(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  torch::Tensor mixed;
  try {
    mixed = net->forward(x);
  } catch (...) {
    at::autocast::set_cpu_enabled(false);
    throw;
  }
  at::autocast::set_cpu_enabled(false);
  at::autocast::clear_cache();
  ASSERT_EQ(mixed.sizes(), reference.sizes());
  EXPECT_TRUE(torch::isfinite(mixed).all().item<bool>());
  EXPECT_LT((mixed.to(torch::kFloat) - reference).abs().max().item<double>(), 0.05);
}

/// Trains a tiny network on 8 random volumes with random labels until it memorises them.
double lossAfterOverfitting(const std::string& name, NetworkSpec spec, int steps, double lr) {
  torch::manual_seed(6);
  auto net = buildNetwork(name, spec);
  net->train();
  const auto x = torch::randn({8, 1, spec.grid, spec.grid, spec.grid});
  const auto y = torch::tensor({0, 1, 1, 0, 1, 0, 0, 1}, torch::kLong);
  torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(lr).weight_decay(0.0));
  double loss = 1e9;
  for (int step = 0; step < steps && loss >= 0.05; ++step) {
    optimizer.zero_grad();
    auto l = torch::cross_entropy_loss(net->forward(x), y);
    l.backward();
    optimizer.step();
    loss = l.item<double>();
  }
  return loss;
}

TEST(ExpertNetworks, CnnOverfitsAFixedBatch) {
  auto spec = tinySpec();
  spec.cnn.dropout = 0.0;
  EXPECT_LT(lossAfterOverfitting("cnn", spec, 300, 3e-3), 0.05);
}

TEST(ExpertNetworks, MambaOverfitsAFixedBatch) {
  auto spec = tinySpec();
  spec.mamba.dropout = 0.0;
  spec.mamba.depth = 1;
  EXPECT_LT(lossAfterOverfitting("mamba", spec, 300, 3e-3), 0.05);
}

}  // namespace
}  // namespace ren::models
