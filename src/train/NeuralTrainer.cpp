#include "ren/train/NeuralTrainer.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "ren/core/AtomicFile.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"
#include "ren/core/Random.h"
#include "ren/stats/BinaryMetrics.h"
#include "ren/train/Augmentation.h"
#include "ren/train/ComputeDevice.h"
#include "ren/train/LrSchedule.h"
#include "ren/train/ScanCache.h"
#include "ren/train/TaskData.h"
#include "ren/train/TaskOutputs.h"

namespace ren::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const TrainRecipe& recipeFor(const Config& config, const TrainTask& task) {
  if (task.isBaseline()) return config.baseline.recipe;
  if (task.arch == "cnn") return config.cnn.recipe;
  if (task.arch == "vit") return config.vit.recipe;
  if (task.arch == "mamba") return config.mamba.recipe;
  throw UsageError("architecture '" + task.arch + "' has no expert recipe; allowed: cnn, vit, mamba");
}

models::NetworkSpec networkSpec(const Config& c, std::int64_t grid) {
  models::NetworkSpec s;
  s.grid = grid;
  s.cnn.channels = configIntList(c.cnn.channels, "cnn.channels", 1, 65536);
  s.cnn.hidden = configIntList(c.cnn.hidden, "cnn.hidden", 1, 1 << 24);
  s.cnn.dropout = c.cnn.dropout;
  s.vit.patch = c.vit.patch;
  s.vit.dim = c.vit.dim;
  s.vit.depth = c.vit.depth;
  s.vit.heads = c.vit.heads;
  s.vit.mlpRatio = c.vit.mlpRatio;
  s.vit.dropout = c.vit.dropout;
  s.mamba.patch = c.mamba.patch;
  s.mamba.dModel = c.mamba.dModel;
  s.mamba.depth = c.mamba.depth;
  s.mamba.dState = c.mamba.dState;
  s.mamba.dConv = c.mamba.dConv;
  s.mamba.expand = c.mamba.expand;
  s.mamba.dropout = c.mamba.dropout;
  s.mamba.scan = c.mamba.scan;
  s.swinunetr.featureSize = c.swinunetr.featureSize;
  s.swinunetr.window = c.swinunetr.window;
  s.swinunetr.depths = configIntList(c.swinunetr.depths, "swinunetr.depths", 1, 64);
  s.swinunetr.heads = configIntList(c.swinunetr.heads, "swinunetr.heads", 1, 1024);
  s.swinunetr.headPool = c.swinunetr.headPool;
  return s;
}

std::string neuralTaskInputs(const Config& config, const TrainTask& task) {
  const std::string recipeSection = task.isBaseline() ? "baseline" : task.arch;
  // Only what changes the result: the architecture's section (sizes), the recipe, precision and layout.
  return sectionsHash(config, {task.arch}) + "|" + sectionsHash(config, {recipeSection}) +
         "|precision=" + config.train.precision + "|channels_last=" + (config.train.channelsLast ? "1" : "0");
}

namespace {

/// 1 for the canonical label values inside the region, else 0 (indexable by a uint8 label).
torch::Tensor regionLut(const Region& region, const torch::Device& device) {
  auto lut = torch::zeros({256}, torch::kFloat);
  for (int v = 1; v <= kCanonicalLabelCount; ++v)
    if (region.contains(v)) lut[v] = 1.0f;
  return lut.to(device);
}

/// Expert input: the windowed image times the region mask of the (possibly augmented) label map.
torch::Tensor maskedInput(const torch::Tensor& image, const torch::Tensor& labels, const torch::Tensor& lut) {
  const auto mask = lut.index_select(0, labels.reshape({-1}).to(torch::kLong)).view(labels.sizes());
  return image * mask;
}

struct BatchTensors {
  torch::Tensor image;   // [B,1,g,g,g] float on device
  torch::Tensor labels;  // [B,1,g,g,g] uint8 on device
};

BatchTensors loadBatch(ScanCache& cache, const std::vector<LabelledScan>& scans, const std::vector<std::size_t>& which,
                       const torch::Device& device) {
  std::vector<std::string> ids;
  for (auto i : which) ids.push_back(scans[i].scanId);
  const auto loaded = cache.get(ids);
  std::vector<torch::Tensor> images, labels;
  for (const auto& s : loaded) {
    images.push_back(s->image);
    labels.push_back(s->labels);
  }
  return {torch::stack(images).to(device), torch::stack(labels).to(device)};
}

/// Named parameters and buffers of the model, in a fixed order.
std::vector<std::pair<std::string, torch::Tensor>> modelTensors(torch::nn::Module& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : model.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : model.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

std::vector<torch::Tensor> snapshot(torch::nn::Module& model) {
  std::vector<torch::Tensor> out;
  for (auto& [name, t] : modelTensors(model)) out.push_back(t.detach().clone());
  return out;
}

void restoreSnapshot(torch::nn::Module& model, const std::vector<torch::Tensor>& saved) {
  torch::NoGradGuard noGrad;
  auto tensors = modelTensors(model);
  if (tensors.size() != saved.size()) throw InputError("checkpoint does not match the network (tensor count)");
  for (std::size_t i = 0; i < saved.size(); ++i) tensors[i].second.copy_(saved[i]);
}

void setLearningRate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

/// P(class 1) for the scans, in order, batch by batch, in eval mode.
std::vector<double> predict(models::ExpertNetworkImpl& model, ScanCache& cache, const std::vector<LabelledScan>& scans,
                            const torch::Tensor& lut, const torch::Device& device, int evalBatch, bool bf16,
                            bool channelsLast) {
  model.eval();
  torch::NoGradGuard noGrad;
  std::vector<double> probs;
  std::vector<std::string> ids;
  for (const auto& s : scans) ids.push_back(s.scanId);
  cache.plan(ids);
  for (std::size_t start = 0; start < scans.size(); start += static_cast<std::size_t>(evalBatch)) {
    std::vector<std::size_t> which;
    for (std::size_t i = start; i < std::min(scans.size(), start + static_cast<std::size_t>(evalBatch)); ++i)
      which.push_back(i);
    auto batch = loadBatch(cache, scans, which, device);
    auto input = maskedInput(batch.image, batch.labels, lut);
    if (channelsLast) input = input.contiguous(torch::MemoryFormat::ChannelsLast3d);
    torch::Tensor logits;
    {
      AutocastGuard autocast(bf16, device);
      logits = model.forward(input);
    }
    auto p = torch::softmax(logits.to(torch::kFloat), 1).select(1, 1).to(torch::kDouble).cpu().contiguous();
    const double* data = p.data_ptr<double>();
    probs.insert(probs.end(), data, data + p.numel());
  }
  return probs;
}

std::vector<int> labelsOf(const std::vector<LabelledScan>& scans) {
  std::vector<int> out;
  for (const auto& s : scans) out.push_back(s.label);
  return out;
}

double safeAuc(const std::vector<int>& labels, const std::vector<double>& scores) {
  return stats::rocAuc(labels, scores);  // NaN when a class is absent
}

/// Writes an archive atomically. It is serialised in memory first: saved to a file, LibTorch names the
/// archive's inner folder after the (temporary, unique) file name, and the bytes would differ per run.
void writeArchive(const fs::path& path, torch::serialize::OutputArchive& archive) {
  std::ostringstream bytes;
  archive.save_to(bytes);
  writeFileAtomic(path, bytes.str());
}

/// Checkpoint: one archive (model, optimizer, best-epoch tensors, JSON state), written atomically.
void saveCheckpoint(const fs::path& path, models::ExpertNetworkImpl& model, torch::optim::Optimizer& optimizer,
                    const std::vector<torch::Tensor>& best, const nlohmann::json& state) {
  torch::serialize::OutputArchive archive, modelArchive, optimizerArchive, bestArchive;
  model.save(modelArchive);
  optimizer.save(optimizerArchive);
  for (std::size_t i = 0; i < best.size(); ++i) bestArchive.write("t" + std::to_string(i), best[i]);
  archive.write("model", modelArchive);
  archive.write("optimizer", optimizerArchive);
  archive.write("best", bestArchive);
  archive.write("state", c10::IValue(state.dump()));
  writeArchive(path, archive);
}

/// The JSON state of a checkpoint (throws when the file is unreadable).
nlohmann::json readCheckpointState(const fs::path& path) {
  torch::serialize::InputArchive archive;
  archive.load_from(path.string(), torch::Device(torch::kCPU));
  c10::IValue state;
  archive.read("state", state);
  return nlohmann::json::parse(state.toStringRef());
}

struct LoadedCheckpoint {
  std::vector<torch::Tensor> best;
};

LoadedCheckpoint loadCheckpoint(const fs::path& path, models::ExpertNetworkImpl& model,
                                torch::optim::Optimizer& optimizer, std::size_t tensorCount,
                                const torch::Device& device) {
  torch::serialize::InputArchive archive, modelArchive, optimizerArchive, bestArchive;
  archive.load_from(path.string(), device);
  archive.read("model", modelArchive);
  archive.read("optimizer", optimizerArchive);
  archive.read("best", bestArchive);
  model.load(modelArchive);
  optimizer.load(optimizerArchive);
  LoadedCheckpoint out;
  for (std::size_t i = 0; i < tensorCount; ++i) {
    torch::Tensor t;
    bestArchive.read("t" + std::to_string(i), t);
    out.best.push_back(t);
  }
  return out;
}

}  // namespace

void trainNeuralTask(const TaskContext& ctx) {
  const Config& config = ctx.config;
  const TrainTask& task = ctx.task;
  const TrainRecipe& recipe = recipeFor(config, task);
  const Region region = task.regionInfo();
  const auto& log = ctx.log;
  if (!ctx.cache) throw UsageError("neural task " + task.name() + " needs a scan cache");
  ScanCache& cache = *ctx.cache;

  const TaskData data = loadTaskData(config, task);
  for (const auto& w : data.warnings) log->warn("{}", w);
  std::vector<std::string> allIds;
  for (const auto* role : {&data.train, &data.val, &data.test})
    for (const auto& s : *role) allIds.push_back(s.scanId);
  cache.require(allIds);

  const torch::Device device = resolveDevice(config.train.device);
  const bool bf16 = config.train.precision == "bf16";
  const bool channelsLast = config.train.channelsLast;
  const models::NetworkSpec spec = networkSpec(config, cache.grid());

  torch::manual_seed(ctx.seed);
  models::ExpertNetwork model = models::buildNetwork(task.arch, spec);
  model->to(device);
  if (channelsLast) {
    torch::NoGradGuard noGrad;
    for (auto& p : model->parameters())
      if (p.dim() == 5) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast3d));
  }
  const auto parameters = models::parameterCount(*model);
  const double flops = models::NetworkRegistry::instance().get(task.arch).flopsPerVolume(spec);
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(recipe.lr)
                                                         .betas({0.9, 0.999})
                                                         .weight_decay(recipe.weightDecay));
  const auto weights = classWeights(data.train);
  const auto weightTensor = torch::tensor({weights[0], weights[1]}, torch::kFloat).to(device);
  const auto lut = regionLut(region, device);
  const AugmentSettings augment = augmentPreset(recipe.augment);
  const std::vector<int> valLabels = labelsOf(data.val);

  LrSchedule schedule(recipe);
  EarlyStopping stopping(recipe.monitor, recipe.patience, recipe.minDelta);
  std::vector<torch::Tensor> best = snapshot(*model);
  nlohmann::json curves = {{"epoch", nlohmann::json::array()},     {"lr", nlohmann::json::array()},
                           {"train_loss", nlohmann::json::array()}, {"train_auc", nlohmann::json::array()},
                           {"val_loss", nlohmann::json::array()},   {"val_auc", nlohmann::json::array()},
                           {"seconds", nlohmann::json::array()}};
  int startEpoch = 0;
  double previousSeconds = 0;
  const fs::path checkpoint = ctx.dir / "checkpoint.pt";
  const std::string& fingerprint = ctx.fingerprint;
  if (fs::exists(checkpoint)) {
    nlohmann::json saved;
    try {
      saved = readCheckpointState(checkpoint);
    } catch (const std::exception& e) {
      log->warn("checkpoint {} is unreadable ({}): starting afresh", checkpoint.string(), e.what());
    }
    if (saved.is_object() && saved.value("fingerprint", "") == fingerprint) {
      auto loaded = loadCheckpoint(checkpoint, *model, optimizer, best.size(), device);
      best = loaded.best;
      startEpoch = saved.at("epochs_done").get<int>();
      schedule.restore(saved.at("schedule"));
      stopping.restore(saved.at("stopping"));
      curves = saved.at("curves");
      previousSeconds = saved.at("seconds").get<double>();
      setLearningRate(optimizer, schedule.current());
      log->info("resuming {} after epoch {} (best epoch so far {})", task.name(), startEpoch, stopping.bestEpoch() + 1);
    } else {
      if (!saved.is_null()) log->warn("checkpoint {} was made with other inputs: starting afresh", checkpoint.string());
      fs::remove(checkpoint);
    }
  }

  resetPeakMemory(device);
  log->info("{}: {} on {} ({} parameters, {:.3g} GFLOP/volume), {} train / {} val / {} test scans, lr {}, batch {}",
            task.name(), task.arch, describeDevice(device), parameters, flops / 1e9, data.train.size(), data.val.size(),
            data.test.size(), recipe.lr, recipe.batch);
  const auto started = Clock::now();
  bool stoppedEarly = stopping.shouldStop() && startEpoch > 0;
  int epoch = startEpoch;
  for (; epoch < recipe.epochs && !stoppedEarly; ++epoch) {
    const auto epochStart = Clock::now();
    torch::manual_seed(deriveSeed(ctx.seed, {static_cast<std::uint64_t>(epoch), 1}));
    Rng rng(deriveSeed(ctx.seed, {static_cast<std::uint64_t>(epoch), 2}));
    std::vector<std::size_t> order(data.train.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    rng.shuffle(order);
    // A last batch of one would break batch norm in training mode: it joins the previous one.
    std::vector<std::vector<std::size_t>> batches;
    for (std::size_t start = 0; start < order.size(); start += static_cast<std::size_t>(recipe.batch)) {
      const std::size_t end = std::min(order.size(), start + static_cast<std::size_t>(recipe.batch));
      std::vector<std::size_t> b(order.begin() + static_cast<std::ptrdiff_t>(start),
                                 order.begin() + static_cast<std::ptrdiff_t>(end));
      if (b.size() == 1 && !batches.empty())
        batches.back().push_back(b[0]);
      else
        batches.push_back(std::move(b));
    }
    std::vector<std::string> planned;
    for (const auto& b : batches)
      for (auto i : b) planned.push_back(data.train[i].scanId);
    cache.plan(planned);

    model->train();
    double lossSum = 0;
    std::vector<int> trainLabels;
    std::vector<double> trainProbs;
    for (const auto& b : batches) {
      auto batch = loadBatch(cache, data.train, b, device);
      augmentBatch(batch.image, batch.labels, augment, rng);
      auto input = maskedInput(batch.image, batch.labels, lut);
      if (channelsLast) input = input.contiguous(torch::MemoryFormat::ChannelsLast3d);
      std::vector<std::int64_t> targets;
      for (auto i : b) targets.push_back(data.train[i].label);
      auto target = torch::tensor(targets, torch::kLong).to(device);
      torch::Tensor logits;
      {
        AutocastGuard autocast(bf16, device);
        logits = model->forward(input);
      }
      logits = logits.to(torch::kFloat);
      auto options = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(recipe.labelSmoothing);
      if (recipe.classWeights) options = options.weight(weightTensor);
      auto loss = torch::nn::functional::cross_entropy(logits, target, options);
      optimizer.zero_grad();
      loss.backward();
      if (recipe.clipNorm > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), recipe.clipNorm);
      optimizer.step();
      lossSum += loss.item<double>() * static_cast<double>(b.size());
      auto p = torch::softmax(logits.detach(), 1).select(1, 1).to(torch::kDouble).cpu().contiguous();
      for (std::int64_t i = 0; i < p.numel(); ++i) trainProbs.push_back(p.data_ptr<double>()[i]);
      for (auto t : targets) trainLabels.push_back(static_cast<int>(t));
    }
    const double trainLoss = lossSum / static_cast<double>(std::max<std::size_t>(1, data.train.size()));
    const auto valProbs = predict(*model, cache, data.val, lut, device, config.train.evalBatch, bf16, channelsLast);
    const double valLoss = stats::logLoss(valLabels, valProbs);
    const double valAuc = safeAuc(valLabels, valProbs);
    const double trainAuc = safeAuc(trainLabels, trainProbs);
    const double lr = schedule.current();
    if (!std::isfinite(trainLoss))
      throw StageFailure(task.name() + ": training diverged at epoch " + std::to_string(epoch + 1) +
                         " (loss is not finite); lower the learning rate");
    const bool improved = stopping.update(epoch, recipe.monitor == "val_auc" ? valAuc : valLoss);
    if (improved) best = snapshot(*model);
    setLearningRate(optimizer, schedule.step(epoch + 1, valAuc));
    const double seconds = std::chrono::duration<double>(Clock::now() - epochStart).count();
    auto push = [&](const char* key, double v) { curves[key].push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json()); };
    curves["epoch"].push_back(epoch + 1);
    push("lr", lr);
    push("train_loss", trainLoss);
    push("train_auc", trainAuc);
    push("val_loss", valLoss);
    push("val_auc", valAuc);
    push("seconds", seconds);
    log->info("epoch {}/{}: train loss {:.4f} auc {:.3f} | val loss {:.4f} auc {:.3f} | lr {:.3g} | {:.2f} s{}", epoch + 1,
              recipe.epochs, trainLoss, trainAuc, valLoss, valAuc, lr, seconds, improved ? " | best" : "");
    stoppedEarly = stopping.shouldStop();
    const double elapsed = previousSeconds + std::chrono::duration<double>(Clock::now() - started).count();
    saveCheckpoint(checkpoint, *model, optimizer, best,
                   {{"fingerprint", fingerprint},
                    {"epochs_done", epoch + 1},
                    {"schedule", schedule.state()},
                    {"stopping", stopping.state()},
                    {"curves", curves},
                    {"seconds", elapsed}});
    if (ctx.onEpoch) ctx.onEpoch(epoch + 1, recipe.epochs);
    if (ctx.interruptAfterEpochs > 0 && epoch + 1 == ctx.interruptAfterEpochs)
      throw TaskInterrupted(task.name() + ": interrupted after epoch " + std::to_string(epoch + 1) + " (test hook)");
  }
  const int epochsRun = epoch;
  const double trainSeconds = previousSeconds + std::chrono::duration<double>(Clock::now() - started).count();

  // The model kept is the best validation epoch, really restored.
  restoreSnapshot(*model, best);
  std::vector<Prediction> predictions;
  const auto valProbs = predict(*model, cache, data.val, lut, device, config.train.evalBatch, bf16, channelsLast);
  const auto testProbs = predict(*model, cache, data.test, lut, device, config.train.evalBatch, bf16, channelsLast);
  for (std::size_t i = 0; i < data.val.size(); ++i) predictions.push_back({data.val[i], "val", valProbs[i]});
  for (std::size_t i = 0; i < data.test.size(); ++i) predictions.push_back({data.test[i], "test", testProbs[i]});

  {
    // The model file: a LibTorch archive of the named parameters and buffers (loads with torch.jit.load).
    model->to(torch::kCPU);
    torch::serialize::OutputArchive archive;
    model->save(archive);
    writeArchive(ctx.dir / "model.pt", archive);
  }
  writePredictions(ctx.dir / "predictions.csv", predictions);
  nlohmann::json metrics = predictionMetrics(predictions);
  metrics["task"] = task.name();
  metrics["region"] = task.region;
  metrics["arch"] = task.arch;
  metrics["fold"] = task.fold;
  metrics["kind"] = task.isBaseline() ? "baseline" : "expert";
  metrics["seed"] = ctx.seed;
  metrics["best_epoch"] = stopping.bestEpoch() + 1;
  metrics["monitor"] = recipe.monitor;
  metrics["epochs_run"] = epochsRun;
  metrics["stopped_early"] = epochsRun < recipe.epochs;
  metrics["train_time_s"] = trainSeconds;
  metrics["time_per_epoch_s"] = epochsRun > 0 ? trainSeconds / epochsRun : 0.0;
  metrics["peak_memory_bytes"] = peakMemoryBytes(device);
  metrics["peak_memory_kind"] = device.is_cuda() ? "cuda-allocator-peak" : "process-max-rss";
  metrics["device"] = describeDevice(device);
  metrics["precision"] = config.train.precision;
  metrics["threads"] = ctx.threads;
  metrics["parameters"] = parameters;
  metrics["flops_per_volume"] = flops;
  metrics["class_weights"] = weights;
  metrics["scans"] = {{"train", data.train.size()}, {"val", data.val.size()}, {"test", data.test.size()}};
  metrics["curves"] = curves;
  writeJsonAtomic(ctx.dir / "metrics.json", metrics);
  fs::remove(checkpoint);
  log->info("{}: best epoch {} of {}, val AUC {}, test AUC {}", task.name(), stopping.bestEpoch() + 1, epochsRun,
            metrics["val"]["auc"].dump(), metrics["test"]["auc"].dump());
}

}  // namespace ren::train
