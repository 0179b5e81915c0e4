#pragma once
// Throughput of one REN-HPC network (include/ren/models/ExpertNetwork.h) for one setting: architecture,
// sizes (NetworkSpec), batch, device, precision (fp32, or bf16 autocast) and memory layout (channels-last-3d
// on or off). Shared by bench/train_bench.cpp (Google Benchmark, ren_bench_train) and the standalone
// tools/device-throughput program, so it depends on LibTorch and the ren/models headers only (no Google
// Benchmark, no ren_core function).
//
// What one step is:
//   forward     eval mode, no grad: logits = model(x)                                   (FLOPs: 1 x forward)
//   train step  train mode: logits = model(x); class-weighted cross-entropy (label smoothing as the recipe);
//               zero_grad; backward; gradient clipping when clipNorm > 0; AdamW step    (FLOPs: 3 x forward,
//               the usual convention: backward = 2 x forward; the optimizer and the norms are not counted)
// as the trainer (src/train/NeuralTrainer.cpp) does it, on a fixed random batch that stays on the device
// (no data loading, no augmentation). Under bf16 only the network's forward runs under autocast; the
// logits are cast back to float for the loss, as in the trainer.
//
// Figures:
//   volumes/s     batch * steps / timed seconds (the clock is read after torch::cuda::synchronize on GPU)
//   GFLOP/s       achieved = flopsPerVolume (the registry's analytic forward FLOPs, multiply-add = 2)
//                 * volumes/s * (1 forward, 3 train step)
//   peak memory   GPU: the CUDA caching allocator's peak of allocated bytes since resetPeakMemory
//                 (needs REN_HAVE_CUDA, defined by ren_use_torch_accelerators); CPU: the process's max RSS
//                 (getrusage), which cannot be reset: it covers everything the process did before, so
//                 only the first/largest setting of a process is meaningful.
// Warm-up steps (not timed) run first: they allocate the optimizer state, pick kernels and fill caches.
#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <sys/resource.h>
#include <torch/cuda.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/utils.h>
#include <torch/version.h>

#ifdef REN_HAVE_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ren/models/ExpertNetwork.h"

namespace ren::bench {

enum class Precision { kFp32, kBf16 };
enum class ProbeMode { kForward, kTrainStep };

inline const char* precisionName(Precision p) { return p == Precision::kBf16 ? "bf16" : "fp32"; }
inline const char* modeName(ProbeMode m) { return m == ProbeMode::kTrainStep ? "train_step" : "forward"; }

/// FLOPs of one step per forward FLOP: 1 for a forward, 3 for a train step (forward + 2 x forward backward).
inline double forwardFlopMultiplier(ProbeMode m) { return m == ProbeMode::kTrainStep ? 3.0 : 1.0; }

inline Precision parsePrecision(const std::string& text) {
  if (text == "fp32") return Precision::kFp32;
  if (text == "bf16") return Precision::kBf16;
  throw std::invalid_argument("precision '" + text + "'; allowed: fp32, bf16");
}

/// One line naming the sizes of `arch` in `spec` (for labels and report headers).
inline std::string describeSize(const std::string& arch, const models::NetworkSpec& spec) {
  auto list = [](const std::vector<std::int64_t>& v) {
    std::string s;
    for (auto x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
    return s;
  };
  std::ostringstream out;
  out << "grid=" << spec.grid;
  if (arch == "cnn") {
    out << " channels=" << list(spec.cnn.channels) << " hidden=" << list(spec.cnn.hidden);
  } else if (arch == "vit") {
    out << " patch=" << spec.vit.patch << " dim=" << spec.vit.dim << " depth=" << spec.vit.depth
        << " heads=" << spec.vit.heads << " mlp_ratio=" << spec.vit.mlpRatio;
  } else if (arch == "mamba") {
    out << " patch=" << spec.mamba.patch << " d_model=" << spec.mamba.dModel << " depth=" << spec.mamba.depth
        << " d_state=" << spec.mamba.dState << " expand=" << spec.mamba.expand << " scan=" << spec.mamba.scan;
  } else if (arch == "swinunetr") {
    out << " feature_size=" << spec.swinunetr.featureSize << " window=" << spec.swinunetr.window
        << " depths=" << list(spec.swinunetr.depths) << " heads=" << list(spec.swinunetr.heads)
        << " head_pool=" << spec.swinunetr.headPool;
  }
  return out.str();
}

/// Waits for the device's queued work (no-op on CPU).
inline void synchronize(const torch::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.has_index() ? device.index() : -1);
}

/// bf16 autocast on `device` for the scope (nothing when disabled); restores the previous enabled flag
/// and autocast dtype, and clears the cast cache when the outermost scope ends.
class AutocastScope {
 public:
  AutocastScope(bool enabled, const torch::Device& device) : enabled_(enabled), type_(device.type()) {
    if (!enabled_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    // 2.4 replaced the per-backend setters by these (the old ones warn on every call).
    previousEnabled_ = at::autocast::is_autocast_enabled(type_);
    previousDtype_ = at::autocast::get_autocast_dtype(type_);
    at::autocast::set_autocast_dtype(type_, at::kBFloat16);
    at::autocast::set_autocast_enabled(type_, true);
#else
    if (type_ == c10::DeviceType::CUDA) {
      previousEnabled_ = at::autocast::is_enabled();
      previousDtype_ = at::autocast::get_autocast_gpu_dtype();
      at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
      at::autocast::set_enabled(true);
    } else {
      previousEnabled_ = at::autocast::is_cpu_enabled();
      previousDtype_ = at::autocast::get_autocast_cpu_dtype();
      at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
      at::autocast::set_cpu_enabled(true);
    }
#endif
    at::autocast::increment_nesting();
  }
  ~AutocastScope() {
    if (!enabled_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(type_, previousEnabled_);
    at::autocast::set_autocast_dtype(type_, previousDtype_);
#else
    if (type_ == c10::DeviceType::CUDA) {
      at::autocast::set_enabled(previousEnabled_);
      at::autocast::set_autocast_gpu_dtype(previousDtype_);
    } else {
      at::autocast::set_cpu_enabled(previousEnabled_);
      at::autocast::set_autocast_cpu_dtype(previousDtype_);
    }
#endif
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_;
  c10::DeviceType type_;
  bool previousEnabled_ = false;
  at::ScalarType previousDtype_ = at::kBFloat16;
};

/// Peak memory and what it measures.
struct PeakMemory {
  std::int64_t bytes = -1;  ///< -1 when unavailable
  std::string kind;         ///< cuda_allocator_peak, process_max_rss or unavailable
};

/// Starts a new peak window on a GPU (the CUDA allocator's peak statistics). CPU: nothing to reset.
inline void resetPeakMemory(const torch::Device& device) {
#ifdef REN_HAVE_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.has_index() ? device.index() : 0);
#else
  (void)device;
#endif
}

/// GPU: the allocator's peak allocated bytes since resetPeakMemory. CPU: the process's max RSS so far
/// (not resettable).
inline PeakMemory peakMemory(const torch::Device& device) {
  if (device.is_cuda()) {
#ifdef REN_HAVE_CUDA
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.has_index() ? device.index() : 0);
    // Index 0 of the per-pool statistics is the aggregate over all pools (StatType::AGGREGATE), in
    // every LibTorch version (the enum's namespace moved in 2.x; the index did not).
    return {static_cast<std::int64_t>(stats.allocated_bytes[0].peak), "cuda_allocator_peak"};
#else
    return {-1, "unavailable"};
#endif
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return {static_cast<std::int64_t>(usage.ru_maxrss) * 1024, "process_max_rss"};
}

/// What is measured.
struct ProbeSetting {
  std::string arch;               ///< a NetworkRegistry name: cnn, vit, mamba, swinunetr
  models::NetworkSpec spec;       ///< sizes, grid included
  std::int64_t batch = 2;         ///< volumes per step
  torch::Device device = torch::kCPU;
  Precision precision = Precision::kFp32;
  bool channelsLast = false;      ///< channels-last-3d input and 5-D weights
  std::uint64_t seed = 42;        ///< weights and the random batch
};

/// The train step's loss and optimizer settings (a recipe's; the defaults are the cnn recipe's).
struct TrainStepSettings {
  double lr = 1e-4;
  double weightDecay = 1e-4;
  double labelSmoothing = 0.05;
  double clipNorm = 1.0;  ///< 0 = no clipping
};

/// The measurement of one setting and mode.
struct ProbeResult {
  ProbeSetting setting;
  ProbeMode mode = ProbeMode::kForward;
  int warmup = 0;
  std::int64_t steps = 0;          ///< timed steps
  double seconds = 0;              ///< timed seconds, all steps
  double secondsPerStep = 0;
  double volumesPerSecond = 0;
  double gflopPerVolume = 0;       ///< analytic forward GFLOP for one volume
  double achievedGflops = 0;       ///< gflopPerVolume * volumes/s * forwardFlopMultiplier(mode)
  std::int64_t parameters = 0;     ///< trainable parameters
  PeakMemory peak;
};

/// One network built for one setting, with its batch, loss and optimizer, ready to time single steps.
class ThroughputProbe {
 public:
  explicit ThroughputProbe(ProbeSetting setting, TrainStepSettings train = {})
      : setting_(std::move(setting)), train_(train) {
    if (setting_.batch < 1) throw std::invalid_argument("batch must be >= 1");
    const auto& definition = models::NetworkRegistry::instance().get(setting_.arch);
    flopsPerVolume_ = definition.flopsPerVolume(setting_.spec);
    torch::manual_seed(setting_.seed);
    model_ = definition.build(setting_.spec);
    model_->to(setting_.device);
    if (setting_.channelsLast) {
      torch::NoGradGuard noGrad;
      for (auto& p : model_->parameters())
        if (p.dim() == 5) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast3d));
    }
    parameters_ = models::parameterCount(*model_);
    optimizer_ = std::make_unique<torch::optim::AdamW>(
        model_->parameters(), torch::optim::AdamWOptions(train_.lr).betas({0.9, 0.999}).weight_decay(train_.weightDecay));

    const auto g = setting_.spec.grid;
    input_ = torch::randn({setting_.batch, setting_.spec.inChannels, g, g, g},
                          torch::TensorOptions().dtype(torch::kFloat).device(setting_.device));
    if (setting_.channelsLast) input_ = input_.contiguous(torch::MemoryFormat::ChannelsLast3d);
    // Alternating labels; class weights w_c = N / (classes * N_c) as the trainer computes them.
    std::vector<std::int64_t> targets;
    std::vector<double> counts(static_cast<std::size_t>(setting_.spec.classes), 0.0);
    for (std::int64_t i = 0; i < setting_.batch; ++i) {
      targets.push_back(i % setting_.spec.classes);
      counts[static_cast<std::size_t>(i % setting_.spec.classes)] += 1;
    }
    std::vector<float> weights;
    for (double c : counts)
      weights.push_back(c > 0 ? static_cast<float>(static_cast<double>(setting_.batch) / (counts.size() * c)) : 1.0f);
    target_ = torch::tensor(targets, torch::kLong).to(setting_.device);
    classWeights_ = torch::tensor(weights, torch::kFloat).to(setting_.device);
  }

  const ProbeSetting& setting() const { return setting_; }
  std::int64_t parameters() const { return parameters_; }
  /// Analytic forward FLOPs of one volume (the registry's flopsPerVolume).
  double flopsPerVolume() const { return flopsPerVolume_; }

  /// One forward (eval, no grad); returns its seconds (device synchronised before and after).
  double forwardStep() {
    synchronize(setting_.device);
    const auto start = std::chrono::steady_clock::now();
    {
      model_->eval();
      torch::NoGradGuard noGrad;
      AutocastScope autocast(setting_.precision == Precision::kBf16, setting_.device);
      auto logits = model_->forward(input_);
      (void)logits;
    }
    synchronize(setting_.device);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  /// One train step (forward, weighted CE, backward, clipping, AdamW); returns its seconds.
  double trainStep() {
    synchronize(setting_.device);
    const auto start = std::chrono::steady_clock::now();
    model_->train();
    torch::Tensor logits;
    {
      AutocastScope autocast(setting_.precision == Precision::kBf16, setting_.device);
      logits = model_->forward(input_);
    }
    logits = logits.to(torch::kFloat);
    auto options = torch::nn::functional::CrossEntropyFuncOptions().weight(classWeights_).label_smoothing(
        train_.labelSmoothing);
    auto loss = torch::nn::functional::cross_entropy(logits, target_, options);
    optimizer_->zero_grad();
    loss.backward();
    if (train_.clipNorm > 0) torch::nn::utils::clip_grad_norm_(model_->parameters(), train_.clipNorm);
    optimizer_->step();
    synchronize(setting_.device);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  double step(ProbeMode mode) { return mode == ProbeMode::kTrainStep ? trainStep() : forwardStep(); }

  /// The figures of `steps` timed steps that took `seconds` in all.
  ProbeResult result(ProbeMode mode, int warmup, std::int64_t steps, double seconds) const {
    ProbeResult r;
    r.setting = setting_;
    r.mode = mode;
    r.warmup = warmup;
    r.steps = steps;
    r.seconds = seconds;
    r.secondsPerStep = steps > 0 ? seconds / static_cast<double>(steps) : 0.0;
    r.volumesPerSecond = seconds > 0 ? static_cast<double>(setting_.batch * steps) / seconds : 0.0;
    r.gflopPerVolume = flopsPerVolume_ / 1e9;
    r.achievedGflops = r.gflopPerVolume * r.volumesPerSecond * forwardFlopMultiplier(mode);
    r.parameters = parameters_;
    r.peak = peakMemory(setting_.device);
    return r;
  }

  /// `warmup` untimed steps, then `steps` timed ones (peak memory reset in between).
  ProbeResult measure(ProbeMode mode, int warmup, int steps) {
    for (int i = 0; i < warmup; ++i) step(mode);
    resetPeakMemory(setting_.device);
    double seconds = 0;
    for (int i = 0; i < steps; ++i) seconds += step(mode);
    return result(mode, warmup, steps, seconds);
  }

 private:
  ProbeSetting setting_;
  TrainStepSettings train_;
  models::ExpertNetwork model_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  torch::Tensor input_;
  torch::Tensor target_;
  torch::Tensor classWeights_;
  std::int64_t parameters_ = 0;
  double flopsPerVolume_ = 0;
};

/// Large square matrix product, for context: the device's achievable dense GFLOP/s in `dtype`.
struct GemmResult {
  std::int64_t n = 0;
  torch::ScalarType dtype = torch::kFloat;
  std::int64_t steps = 0;
  double seconds = 0;
  double gflops = 0;  ///< 2 n^3 per product
};

/// A reusable n x n by n x n product on `device` (inputs random, output preallocated).
class GemmProbe {
 public:
  GemmProbe(const torch::Device& device, torch::ScalarType dtype, std::int64_t n) : device_(device), dtype_(dtype), n_(n) {
    const auto options = torch::TensorOptions().dtype(dtype).device(device);
    torch::manual_seed(7);
    a_ = torch::randn({n, n}, options);
    b_ = torch::randn({n, n}, options);
    c_ = torch::empty({n, n}, options);
  }
  double flopsPerStep() const { return 2.0 * static_cast<double>(n_) * static_cast<double>(n_) * static_cast<double>(n_); }
  /// One product; its seconds (synchronised).
  double step() {
    synchronize(device_);
    const auto start = std::chrono::steady_clock::now();
    torch::mm_out(c_, a_, b_);
    synchronize(device_);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  GemmResult measure(int warmup, int steps) {
    for (int i = 0; i < warmup; ++i) step();
    // Timed as one stream of products (one synchronisation at each end), not product by product.
    synchronize(device_);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) torch::mm_out(c_, a_, b_);
    synchronize(device_);
    GemmResult r;
    r.n = n_;
    r.dtype = dtype_;
    r.steps = steps;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.gflops = r.seconds > 0 ? flopsPerStep() * steps / r.seconds / 1e9 : 0.0;
    return r;
  }

 private:
  torch::Device device_;
  torch::ScalarType dtype_;
  std::int64_t n_;
  torch::Tensor a_, b_, c_;
};

/// TF32 settings of this process (they change what "fp32" means on Ampere and later GPUs).
inline std::string tf32Settings() {
  return std::string("matmul_tf32=") + (at::globalContext().allowTF32CuBLAS() ? "on" : "off") +
         " cudnn_tf32=" + (at::globalContext().allowTF32CuDNN() ? "on" : "off") +
         " cudnn_benchmark=" + (at::globalContext().benchmarkCuDNN() ? "on" : "off");
}

}  // namespace ren::bench
