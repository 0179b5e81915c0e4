#include "ren/models/SelectiveScan.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "models/MambaBlock.h"
#include "ren/core/Error.h"

namespace ren::models {
namespace {

struct ScanInputs {
  torch::Tensor u, delta, A, Bm, C, D;
  std::vector<torch::Tensor> all() const { return {u, delta, A, Bm, C, D}; }
};

ScanInputs randomInputs(std::int64_t batch, std::int64_t length, std::int64_t channels, std::int64_t states,
                        std::uint64_t seed) {
  torch::manual_seed(seed);
  const auto opts = torch::TensorOptions().dtype(torch::kDouble);
  ScanInputs in;
  in.u = torch::randn({batch, length, channels}, opts).requires_grad_();
  in.delta = (torch::rand({batch, length, channels}, opts) * 0.9 + 0.05).requires_grad_();  // positive
  in.A = (-torch::rand({channels, states}, opts) * 2.0 - 0.1).requires_grad_();               // negative
  in.Bm = torch::randn({batch, length, states}, opts).requires_grad_();
  in.C = torch::randn({batch, length, states}, opts).requires_grad_();
  in.D = torch::randn({channels}, opts).requires_grad_();
  return in;
}

/// max |a - b| / max(1, max |b|)
double relativeError(const torch::Tensor& a, const torch::Tensor& b) {
  const double scale = std::max(1.0, b.abs().max().item<double>());
  return (a - b).abs().max().item<double>() / scale;
}

void expectScansAgree(std::int64_t length) {
  SCOPED_TRACE("L = " + std::to_string(length));
  const auto in = randomInputs(2, length, 5, 3, 17 + static_cast<std::uint64_t>(length));
  const auto ySeq = selectiveScanSequential(in.u, in.delta, in.A, in.Bm, in.C, in.D);
  const auto yPar = selectiveScanParallel(in.u, in.delta, in.A, in.Bm, in.C, in.D);
  ASSERT_EQ(ySeq.sizes(), (std::vector<std::int64_t>{2, length, 5}));
  ASSERT_EQ(yPar.sizes(), ySeq.sizes());
  EXPECT_LT(relativeError(yPar, ySeq), 1e-5);

  const auto upstream = torch::randn_like(ySeq);
  // allow_unused: with L = 1 the parallel scan never reads the decays (h_{-1} = 0), so A gets no grad.
  const auto gSeq = torch::autograd::grad({ySeq}, in.all(), {upstream}, false, false, /*allow_unused=*/true);
  const auto gPar = torch::autograd::grad({yPar}, in.all(), {upstream}, false, false, /*allow_unused=*/true);
  const char* names[] = {"u", "delta", "A", "B", "C", "D"};
  const auto inputs = in.all();
  for (std::size_t i = 0; i < gSeq.size(); ++i) {
    SCOPED_TRACE(names[i]);
    const auto seq = gSeq[i].defined() ? gSeq[i] : torch::zeros_like(inputs[i]);
    const auto par = gPar[i].defined() ? gPar[i] : torch::zeros_like(inputs[i]);
    const bool decayOnly = i == 2;  // dy/dA is exactly 0 when L = 1
    if (!decayOnly || length > 1) EXPECT_GT(seq.abs().max().item<double>(), 0.0);
    EXPECT_LT(relativeError(par, seq), 1e-5);
  }
}

TEST(SelectiveScan, SequentialMatchesHandWrittenRecurrence) {
  const auto in = randomInputs(2, 4, 3, 2, 5);
  const auto y = selectiveScanSequential(in.u, in.delta, in.A, in.Bm, in.C, in.D);
  auto u = in.u.accessor<double, 3>();
  auto delta = in.delta.accessor<double, 3>();
  auto A = in.A.accessor<double, 2>();
  auto Bm = in.Bm.accessor<double, 3>();
  auto C = in.C.accessor<double, 3>();
  auto D = in.D.accessor<double, 1>();
  auto out = y.accessor<double, 3>();
  for (int b = 0; b < 2; ++b)
    for (int e = 0; e < 3; ++e) {
      double h[2] = {0.0, 0.0};
      for (int t = 0; t < 4; ++t) {
        double expected = D[e] * u[b][t][e];
        for (int n = 0; n < 2; ++n) {
          h[n] = std::exp(delta[b][t][e] * A[e][n]) * h[n] + delta[b][t][e] * Bm[b][t][n] * u[b][t][e];
          expected += h[n] * C[b][t][n];
        }
        EXPECT_NEAR(out[b][t][e], expected, 1e-12) << "b " << b << " t " << t << " e " << e;
      }
    }
}

TEST(SelectiveScan, ParallelMatchesSequentialOddLength) { expectScansAgree(37); }

TEST(SelectiveScan, ParallelMatchesSequentialLengthOne) { expectScansAgree(1); }

TEST(SelectiveScan, ParallelMatchesSequentialPowerOfTwo) { expectScansAgree(32); }

TEST(SelectiveScan, MambaBlockSequentialAndParallelScansAgree) {
  MambaBlockSize size;
  size.dModel = 8;
  size.dState = 4;
  size.dConv = 4;
  size.expand = 2;
  size.dtRank = 2;
  size.scan = "sequential";
  torch::manual_seed(3);
  MambaBlock sequential(size);
  size.scan = "parallel";
  torch::manual_seed(3);
  MambaBlock parallel(size);
  sequential->to(torch::kDouble);
  parallel->to(torch::kDouble);
  for (const auto& p : sequential->named_parameters())
    ASSERT_TRUE(torch::equal(p.value(), parallel->named_parameters()[p.key()])) << p.key();

  const auto x = torch::randn({2, 21, 8}, torch::kDouble);
  const auto ySeq = sequential->forward(x);
  const auto yPar = parallel->forward(x);
  ASSERT_EQ(ySeq.sizes(), x.sizes());
  EXPECT_EQ(ySeq.scalar_type(), torch::kDouble);
  EXPECT_GT(ySeq.abs().max().item<double>(), 0.0);
  EXPECT_LT(relativeError(yPar, ySeq), 1e-10);
}

TEST(SelectiveScan, MambaBlockIsCausal) {
  // Changing the last token must leave every earlier output unchanged (unidirectional scan + causal conv).
  MambaBlockSize size;
  size.dModel = 8;
  size.dState = 4;
  size.dtRank = 2;
  torch::manual_seed(4);
  MambaBlock block(size);
  block->to(torch::kDouble);
  auto x = torch::randn({1, 12, 8}, torch::kDouble);
  const auto before = block->forward(x);
  auto changed = x.clone();
  changed.select(1, 11).add_(1.0);
  const auto after = block->forward(changed);
  EXPECT_TRUE(torch::allclose(before.narrow(1, 0, 11), after.narrow(1, 0, 11), 0.0, 1e-12));
  EXPECT_GT((before.select(1, 11) - after.select(1, 11)).abs().max().item<double>(), 1e-6);
}

TEST(SelectiveScan, MambaBlockInitialisationFollowsMambaSsm) {
  MambaBlockSize size;
  size.dModel = 16;
  size.dState = 6;
  size.dtRank = 1;
  torch::manual_seed(9);
  MambaBlock block(size);
  auto params = block->named_parameters();
  const auto aLog = params["A_log"];
  ASSERT_EQ(aLog.sizes(), (std::vector<std::int64_t>{32, 6}));
  for (int n = 0; n < 6; ++n) EXPECT_NEAR(aLog[7][n].item<double>(), std::log(n + 1.0), 1e-6);
  EXPECT_TRUE(torch::equal(params["D"], torch::ones({32})));
  // softplus(dt bias) recovers dt in [1e-3, 1e-1].
  const auto dt = torch::softplus(params["dt_proj.bias"]);
  EXPECT_GE(dt.min().item<double>(), 1e-3 * (1 - 1e-4));
  EXPECT_LE(dt.max().item<double>(), 1e-1 * (1 + 1e-4));
  EXPECT_LE(params["dt_proj.weight"].abs().max().item<double>(), 1.0);  // U(-R^-0.5, R^-0.5), R = 1
  const auto inProj = params["in_proj.weight"];
  EXPECT_LE(inProj.abs().max().item<double>(), 0.04 + 1e-7);
  EXPECT_NEAR(inProj.std().item<double>(), 0.02 * 0.88, 0.003);  // std of N(0, 0.02^2) truncated at 2 sigma
  EXPECT_FALSE(params.contains("in_proj.bias"));
  EXPECT_FALSE(params.contains("x_proj.bias"));
  EXPECT_FALSE(params.contains("out_proj.bias"));
  EXPECT_TRUE(params.contains("conv1d.bias"));
}

TEST(SelectiveScan, MambaBlockRejectsUnknownScan) {
  MambaBlockSize size;
  size.scan = "chunked";
  try {
    MambaBlock block(size);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("mamba.scan"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ren::models
