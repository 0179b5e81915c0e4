// Throughput of the REN-HPC networks (ren_models): forward (eval, no grad) and train step (forward,
// class-weighted cross-entropy, backward, clipping, AdamW) in volumes/s, at two sizes, in fp32 and bf16
// autocast, plus a large-GEMM peak for context. The measurement is bench/ThroughputProbe.h (shared with
// tools/device-throughput).
//
//   BM_Forward/<arch>/<size>/b<batch>/<precision>[/cl]     one forward per iteration
//   BM_TrainStep/<arch>/<size>/b<batch>/<precision>[/cl]   one train step per iteration
//   BM_GemmPeak/<dtype>/<n>                               one n x n matrix product per iteration
// <size>: paper96 = the paper's network sizes (the NetworkSpec / Config.h defaults) at 96^3 with the
// recipe batches (cnn 4, vit 2, mamba 4, swinunetr 4 = the baseline recipe); demo<grid> = the sizes, grid
// ([preprocess] grid) and recipe batches that configs/demo.toml gives (read at start-up with the project's
// own config loader, so keys absent there take the Config.h defaults). A demo case identical to its paper
// case is not registered twice. The train step's lr, weight decay, label smoothing and clipping are the
// same recipe's. bf16 GEMM is measured on GPU only.
//
// Counters: volumes/s, GFLOP/s (achieved: analytic forward FLOPs x volumes/s, x3 for a train step),
// GFLOP/volume (analytic forward FLOPs of one volume), params (trainable), batch, peak_MiB (label says
// which: cuda-allocator peak of the timed steps, or the CPU process's max RSS, which cannot be reset and
// includes all earlier benchmarks of the process: filter to one benchmark for a meaningful CPU figure).
// Times are manual (synchronised step times); warm-up steps run once per benchmark before timing.
//
// Environment:
//   REN_BENCH_THREADS        intra-op threads (torch::set_num_threads); default: the allocation / all cores
//   REN_BENCH_DEVICE         auto (CUDA when available; default), cpu or cuda
//   REN_BENCH_DEMO_CONFIG    the demo config file; default <source>/configs/demo.toml
//   REN_BENCH_CHANNELS_LAST  0 (default), 1 (all networks channels-last-3d) or both (each case twice)
//   REN_BENCH_WARMUP         warm-up steps per benchmark (default 1)
//   REN_BENCH_ITERS          fixed timed iterations per benchmark; default: Google Benchmark's choice with
//   REN_BENCH_MIN_TIME       this minimum timed seconds (default 0.5; a step slower than that runs once)
//   REN_BENCH_GEMM_N         GEMM edge (default 4096)
// Example (short): REN_BENCH_THREADS=2 ren_bench_train --benchmark_filter='cnn/demo|Gemm'
// (Names carry Google Benchmark's '/iterations:N/manual_time' suffix, so do not anchor a filter with '$'.)
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "ThroughputProbe.h"
#include "ren/core/Config.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/Parallel.h"
#include "ren/models/ExpertNetwork.h"
#include "ren/train/NeuralTrainer.h"

#ifndef REN_SOURCE_DIR
#define REN_SOURCE_DIR "."
#endif

namespace {

using ren::bench::Precision;
using ren::bench::ProbeMode;

std::string envText(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}
int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}
double envDouble(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atof(v) : fallback;
}

/// The network sizes a Config describes, exactly as the trainer builds them.
using ren::train::networkSpec;

/// The recipe that trains `arch` (swinunetr is a baseline backbone: the baseline recipe).
const ren::TrainRecipe& recipeFor(const ren::Config& c, const std::string& arch) {
  if (arch == "cnn") return c.cnn.recipe;
  if (arch == "vit") return c.vit.recipe;
  if (arch == "mamba") return c.mamba.recipe;
  return c.baseline.recipe;
}

/// One network at one size with its recipe's batch and train-step settings.
struct NetworkCase {
  std::string arch;
  std::string size;  // paper96, demo<grid>
  ren::models::NetworkSpec spec;
  std::int64_t batch = 1;
  ren::bench::TrainStepSettings train;
};

NetworkCase makeCase(const ren::Config& config, const std::string& arch, const std::string& size, std::int64_t grid) {
  NetworkCase c;
  c.arch = arch;
  c.size = size;
  c.spec = networkSpec(config, grid);
  const auto& recipe = recipeFor(config, arch);
  c.batch = recipe.batch;
  c.train.lr = recipe.lr;
  c.train.weightDecay = recipe.weightDecay;
  c.train.labelSmoothing = recipe.labelSmoothing;
  c.train.clipNorm = recipe.clipNorm;
  return c;
}

torch::Device benchDevice() {
  const std::string setting = envText("REN_BENCH_DEVICE", "auto");
  const bool cuda = torch::cuda::is_available();
  if (setting == "cpu") return torch::kCPU;
  if (setting == "cuda" && !cuda) throw std::runtime_error("REN_BENCH_DEVICE=cuda but CUDA is not available");
  if (setting != "auto" && setting != "cuda")
    throw std::runtime_error("REN_BENCH_DEVICE='" + setting + "'; allowed: auto, cpu, cuda");
  return cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
}

double mib(std::int64_t bytes) { return bytes < 0 ? -1.0 : static_cast<double>(bytes) / (1024.0 * 1024.0); }

/// The probe of the benchmark that runs now; Google Benchmark calls a benchmark several times while it
/// chooses the iteration count, and the network, optimizer and warm-up are kept across those calls.
struct CurrentProbe {
  std::string name;
  std::unique_ptr<ren::bench::ThroughputProbe> probe;
};
CurrentProbe& currentProbe() {
  static CurrentProbe current;
  return current;
}

ren::bench::ThroughputProbe& probeFor(const std::string& name, const NetworkCase& c, const torch::Device& device,
                                      Precision precision, bool channelsLast, ProbeMode mode) {
  auto& current = currentProbe();
  if (current.name != name || !current.probe) {
    current.probe.reset();  // free the previous network first
    current.name.clear();
    ren::bench::ProbeSetting setting;
    setting.arch = c.arch;
    setting.spec = c.spec;
    setting.batch = c.batch;
    setting.device = device;
    setting.precision = precision;
    setting.channelsLast = channelsLast;
    auto probe = std::make_unique<ren::bench::ThroughputProbe>(setting, c.train);
    for (int i = 0; i < envInt("REN_BENCH_WARMUP", 1); ++i) probe->step(mode);
    current.probe = std::move(probe);
    current.name = name;
  }
  return *current.probe;
}

void runNetwork(benchmark::State& state, const std::string& name, const NetworkCase& c, const torch::Device& device,
                Precision precision, bool channelsLast, ProbeMode mode) {
  ren::bench::ThroughputProbe* probe = nullptr;
  try {
    probe = &probeFor(name, c, device, precision, channelsLast, mode);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  ren::bench::resetPeakMemory(device);
  double seconds = 0;
  for (auto _ : state) {
    const double s = probe->step(mode);
    state.SetIterationTime(s);
    seconds += s;
  }
  const auto r = probe->result(mode, envInt("REN_BENCH_WARMUP", 1), state.iterations(), seconds);
  state.counters["volumes/s"] = r.volumesPerSecond;
  state.counters["GFLOP/s"] = r.achievedGflops;
  state.counters["GFLOP/volume"] = r.gflopPerVolume;
  state.counters["params"] = static_cast<double>(r.parameters);
  state.counters["batch"] = static_cast<double>(c.batch);
  state.counters["peak_MiB"] = mib(r.peak.bytes);
  state.SetLabel(r.peak.kind == "process_max_rss" ? "peak=process max RSS" : "peak=" + r.peak.kind);
}

void runGemm(benchmark::State& state, const torch::Device& device, torch::ScalarType dtype, std::int64_t n) {
  std::unique_ptr<ren::bench::GemmProbe> probe;
  try {
    probe = std::make_unique<ren::bench::GemmProbe>(device, dtype, n);
    probe->step();  // warm-up
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  double seconds = 0;
  for (auto _ : state) {
    const double s = probe->step();
    state.SetIterationTime(s);
    seconds += s;
  }
  state.counters["GFLOP/s"] = seconds > 0 ? probe->flopsPerStep() * static_cast<double>(state.iterations()) / seconds / 1e9 : 0;
}

void configure(benchmark::internal::Benchmark* b) {
  b->UseManualTime()->Unit(benchmark::kMillisecond);
  const int iters = envInt("REN_BENCH_ITERS", 0);
  if (iters > 0)
    b->Iterations(iters);
  else
    b->MinTime(envDouble("REN_BENCH_MIN_TIME", 0.5));
}

void registerAll() {
  const torch::Device device = benchDevice();
  const std::string configPath = envText("REN_BENCH_DEMO_CONFIG", std::string(REN_SOURCE_DIR) + "/configs/demo.toml");
  const ren::Config paper;  // Config.h defaults: the paper's sizes and recipes
  const ren::Config demo = ren::loadConfig(configPath);

  std::vector<NetworkCase> cases;
  for (const std::string arch : {"cnn", "vit", "mamba", "swinunetr"}) {
    const auto p = makeCase(paper, arch, "paper96", 96);
    auto d = makeCase(demo, arch, "demo" + std::to_string(demo.preprocess.grid), demo.preprocess.grid);
    cases.push_back(p);
    const bool same = ren::bench::describeSize(arch, p.spec) == ren::bench::describeSize(arch, d.spec) &&
                      p.batch == d.batch;
    if (same)
      std::fprintf(stderr, "# %s: %s has the paper sizes and batch; not registered twice\n", arch.c_str(),
                   configPath.c_str());
    else
      cases.push_back(d);
  }

  std::vector<bool> layouts;
  const std::string cl = envText("REN_BENCH_CHANNELS_LAST", "0");
  if (cl == "0" || cl == "both") layouts.push_back(false);
  if (cl == "1" || cl == "both") layouts.push_back(true);
  if (layouts.empty()) throw std::runtime_error("REN_BENCH_CHANNELS_LAST='" + cl + "'; allowed: 0, 1, both");

  std::fprintf(stderr, "# device %s, %d intra-op threads, LibTorch %s, %s\n", device.str().c_str(),
               torch::get_num_threads(), TORCH_VERSION, ren::bench::tf32Settings().c_str());
  std::fprintf(stderr, "# FLOPs: analytic forward (multiply-add = 2); train step counted as 3 x forward\n");
  for (const auto& c : cases) {
    std::fprintf(stderr, "# %s/%s: batch %lld, %s, lr %g wd %g smoothing %g clip %g\n", c.arch.c_str(), c.size.c_str(),
                 static_cast<long long>(c.batch), ren::bench::describeSize(c.arch, c.spec).c_str(), c.train.lr,
                 c.train.weightDecay, c.train.labelSmoothing, c.train.clipNorm);
    for (const ProbeMode mode : {ProbeMode::kForward, ProbeMode::kTrainStep})
      for (const Precision precision : {Precision::kFp32, Precision::kBf16})
        for (const bool channelsLast : layouts) {
          const std::string name = std::string(mode == ProbeMode::kTrainStep ? "BM_TrainStep/" : "BM_Forward/") +
                                   c.arch + "/" + c.size + "/b" + std::to_string(c.batch) + "/" +
                                   ren::bench::precisionName(precision) + (channelsLast ? "/cl" : "");
          configure(benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
            runNetwork(state, name, c, device, precision, channelsLast, mode);
          }));
        }
  }

  const std::int64_t n = envInt("REN_BENCH_GEMM_N", 4096);
  configure(benchmark::RegisterBenchmark(("BM_GemmPeak/fp32/" + std::to_string(n)).c_str(),
                                         [=](benchmark::State& state) { runGemm(state, device, torch::kFloat, n); }));
  if (device.is_cuda())
    configure(benchmark::RegisterBenchmark(("BM_GemmPeak/bf16/" + std::to_string(n)).c_str(),
                                           [=](benchmark::State& state) { runGemm(state, device, torch::kBFloat16, n); }));
}

}  // namespace

int main(int argc, char** argv) {
  torch::set_num_threads(ren::resolveThreadCount(envInt("REN_BENCH_THREADS", 0)));
  try {
    registerAll();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ren_bench_train: %s\n", e.what());
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  currentProbe().probe.reset();
  return 0;
}
