// End-to-end tests of `ren train-task`'s library path on the shared tiny run (TrainFixture.h): outputs,
// determinism, resume after an interruption, restoring the best epoch, skipping done tasks, every
// architecture, the XGBoost expert, and the model file loaded back in C++ and in Python.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "ren/core/AtomicFile.h"
#include "ren/core/Error.h"
#include "ren/core/Regions.h"
#include "ren/models/ExpertNetwork.h"
#include "ren/preprocess/ShardDataset.h"
#include "ren/train/NeuralTrainer.h"
#include "ren/train/TaskData.h"
#include "ren/train/TaskOutputs.h"
#include "ren/train/TaskRunner.h"
#include "support/TempDirTest.h"
#include "train/TrainFixture.h"

namespace ren::train {
namespace {

namespace fs = std::filesystem;

class TrainTaskTest : public test::TempDirTest {
 protected:
  TrainTaskTest() : TempDirTest("ren_train_task") {}
  Config config(const std::string& run, const std::vector<std::string>& overrides = {}) {
    return test::trainTestConfig(dir_ / run, overrides);
  }
};

nlohmann::json readJson(const fs::path& p) { return nlohmann::json::parse(readFile(p)); }

const TrainTask kLllCnn{"LLL", "cnn", 0};

TEST_F(TrainTaskTest, CnnTaskWritesEveryOutputAndItsModelReproducesThePredictions) {
  const Config c = config("a");
  ASSERT_EQ(runTrainTask(c, kLllCnn), TaskOutcome::Trained);
  const fs::path dir = taskDir(c, kLllCnn);
  for (const char* f : {"predictions.csv", "metrics.json", "model.pt", "status.json", "log.txt"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  EXPECT_FALSE(fs::exists(dir / "checkpoint.pt"));  // removed once the task is complete
  const auto status = readJson(dir / "status.json");
  EXPECT_EQ(status["state"], "done");
  EXPECT_EQ(status["attempts"], 1);
  const TaskData data = loadTaskData(c, kLllCnn);
  const auto predictions = readPredictions(dir / "predictions.csv");
  ASSERT_EQ(predictions.size(), data.val.size() + data.test.size());
  for (std::size_t i = 0; i < data.val.size(); ++i) {
    EXPECT_EQ(predictions[i].role, "val");
    EXPECT_EQ(predictions[i].scan.scanId, data.val[i].scanId);
    EXPECT_EQ(predictions[i].scan.label, data.val[i].label);
  }
  const auto metrics = readJson(dir / "metrics.json");
  for (const char* key : {"val", "test", "youden_threshold", "best_epoch", "epochs_run", "train_time_s",
                          "peak_memory_bytes", "parameters", "flops_per_volume", "curves"})
    EXPECT_TRUE(metrics.contains(key)) << key;
  EXPECT_EQ(metrics["epochs_run"], c.cnn.recipe.epochs);
  EXPECT_EQ(metrics["curves"]["val_auc"].size(), static_cast<std::size_t>(c.cnn.recipe.epochs));
  EXPECT_GT(metrics["peak_memory_bytes"].get<double>(), 0);
  // The expected class weights of the training split.
  const auto w = classWeights(data.train);
  EXPECT_DOUBLE_EQ(metrics["class_weights"][0].get<double>(), w[0]);

  // The saved model, loaded into a fresh network, gives the saved validation probabilities.
  preprocess::ShardDataset shards(c.run.dir + "/data", 1);
  const auto spec = networkSpec(c, shards.index().grid);
  torch::manual_seed(123);  // other initial weights: everything must come from the file
  auto model = models::buildNetwork("cnn", spec);
  torch::serialize::InputArchive archive;
  archive.load_from((dir / "model.pt").string());
  model->load(archive);
  model->eval();
  torch::NoGradGuard noGrad;
  for (std::size_t i = 0; i < data.val.size(); ++i) {
    const auto scan = shards.load(data.val[i].scanId);
    const auto g = spec.grid;
    auto image = torch::from_blob(const_cast<float*>(scan.image.data()), {1, 1, g, g, g}, torch::kFloat).clone();
    auto mask = torch::zeros_like(image);
    auto labels = torch::from_blob(const_cast<std::uint8_t*>(scan.lobes.data()), {1, 1, g, g, g}, torch::kUInt8);
    mask.masked_fill_(labels == static_cast<int>(Lobe::LLL), 1.0);
    const double p = torch::softmax(model->forward(image * mask), 1)[0][1].item<double>();
    EXPECT_NEAR(p, predictions[i].prob, 1e-6) << data.val[i].scanId;
  }
}

TEST_F(TrainTaskTest, SameTaskTwiceGivesIdenticalPredictions) {
  const Config a = config("a"), b = config("b");
  runTrainTask(a, kLllCnn);
  runTrainTask(b, kLllCnn);
  EXPECT_EQ(readFile(taskDir(a, kLllCnn) / "predictions.csv"), readFile(taskDir(b, kLllCnn) / "predictions.csv"));
  EXPECT_EQ(readFile(taskDir(a, kLllCnn) / "model.pt"), readFile(taskDir(b, kLllCnn) / "model.pt"));
  // Another fold or region is another seed, hence other predictions.
  EXPECT_NE(taskSeed(a, kLllCnn), taskSeed(a, TrainTask{"RLL", "cnn", 0}));
}

TEST_F(TrainTaskTest, ResumedTaskEndsLikeAnUninterruptedOne) {
  const std::vector<std::string> longer{"cnn.epochs=4", "cnn.augment=strong"};
  const Config a = config("a", longer), b = config("b", longer);
  runTrainTask(a, kLllCnn);
  TaskRunOptions interrupt;
  interrupt.interruptAfterEpochs = 2;
  EXPECT_THROW(runTrainTask(b, kLllCnn, interrupt), TaskInterrupted);
  const fs::path dir = taskDir(b, kLllCnn);
  EXPECT_TRUE(fs::exists(dir / "checkpoint.pt"));
  EXPECT_FALSE(fs::exists(dir / "predictions.csv"));
  EXPECT_EQ(readJson(dir / "status.json")["state"], "running");  // as a killed process leaves it
  EXPECT_FALSE(taskIsDone(b, kLllCnn));
  ASSERT_EQ(runTrainTask(b, kLllCnn), TaskOutcome::Trained);
  EXPECT_EQ(readJson(dir / "status.json")["attempts"], 2);
  EXPECT_NE(readFile(dir / "log.txt").find("resuming LLL-cnn-f0 after epoch 2"), std::string::npos);
  EXPECT_EQ(readFile(taskDir(a, kLllCnn) / "predictions.csv"), readFile(dir / "predictions.csv"));
  const auto ma = readJson(taskDir(a, kLllCnn) / "metrics.json"), mb = readJson(dir / "metrics.json");
  EXPECT_EQ(ma["curves"]["val_loss"], mb["curves"]["val_loss"]);
  EXPECT_EQ(ma["curves"]["train_loss"], mb["curves"]["train_loss"]);
  EXPECT_EQ(ma["best_epoch"], mb["best_epoch"]);
}

TEST_F(TrainTaskTest, TheBestValidationEpochIsRestored) {
  // A learning rate high enough that validation loss does not fall monotonically over 6 epochs.
  const Config c = config("a", {"cnn.epochs=6", "cnn.patience=6", "cnn.lr=0.02", "cnn.scheduler=none"});
  runTrainTask(c, kLllCnn);
  const auto m = readJson(taskDir(c, kLllCnn) / "metrics.json");
  const int best = m["best_epoch"];
  const auto& losses = m["curves"]["val_loss"];
  ASSERT_GE(best, 1);
  // The final predictions are the best epoch's: their log-loss is that epoch's validation loss.
  EXPECT_NEAR(m["val"]["log_loss"].get<double>(), losses[best - 1].get<double>(), 1e-9);
  for (const auto& l : losses) EXPECT_GE(l.get<double>(), losses[best - 1].get<double>());
}

TEST_F(TrainTaskTest, DoneTaskIsSkippedUntilItsInputsChange) {
  const Config c = config("a");
  EXPECT_EQ(runTrainTask(c, kLllCnn), TaskOutcome::Trained);
  EXPECT_EQ(runTrainTask(c, kLllCnn), TaskOutcome::Skipped);
  EXPECT_TRUE(taskIsDone(c, kLllCnn));
  // Another architecture's settings do not touch this task; its own do.
  EXPECT_TRUE(taskIsDone(config("a", {"vit.lr=0.001"}), kLllCnn));
  EXPECT_TRUE(taskIsDone(config("a", {"train.threads=1", "train.cache_gb=1"}), kLllCnn));
  const Config changed = config("a", {"cnn.lr=0.001"});
  EXPECT_FALSE(taskIsDone(changed, kLllCnn));
  EXPECT_EQ(runTrainTask(changed, kLllCnn), TaskOutcome::Trained);
  EXPECT_EQ(readJson(taskDir(c, kLllCnn) / "status.json")["attempts"], 2);
  // A missing output makes it not done.
  fs::remove(taskDir(c, kLllCnn) / "model.pt");
  EXPECT_FALSE(taskIsDone(changed, kLllCnn));
}

TEST_F(TrainTaskTest, EveryArchitectureAndBaselineTrains) {
  const Config c = config("a", {"cnn.epochs=1", "vit.epochs=1", "mamba.epochs=1", "baseline.epochs=1"});
  for (const TrainTask& t : {TrainTask{"RUL", "vit", 0}, TrainTask{"LEFT", "mamba", 0}, TrainTask{"LUNG", "swinunetr", 0},
                             TrainTask{"LUNG", "cnn", 0}, TrainTask{"LUNG", "vit", 0}, TrainTask{"LUNG", "mamba", 0}}) {
    SCOPED_TRACE(t.name());
    ASSERT_EQ(runTrainTask(c, t), TaskOutcome::Trained);
    const auto m = readJson(taskDir(c, t) / "metrics.json");
    EXPECT_EQ(m["arch"], t.arch);
    EXPECT_EQ(m["kind"], t.isBaseline() ? "baseline" : "expert");
    EXPECT_EQ(m["epochs_run"], 1);
    const auto p = readPredictions(taskDir(c, t) / "predictions.csv");
    for (const auto& row : p) EXPECT_TRUE(row.prob >= 0 && row.prob <= 1);
  }
  // Baselines use [baseline]'s recipe: no label smoothing, lr 4e-4 by default.
  EXPECT_DOUBLE_EQ(recipeFor(c, TrainTask{"LUNG", "cnn", 0}).lr, c.baseline.recipe.lr);
}

TEST_F(TrainTaskTest, Bf16AutocastAndChannelsLastTrain) {
  const Config c = config("a", {"train.precision=bf16", "train.channels_last=true", "cnn.epochs=1", "baseline.epochs=1"});
  for (const TrainTask& t : {kLllCnn, TrainTask{"LUNG", "swinunetr", 0}}) {
    SCOPED_TRACE(t.name());
    ASSERT_EQ(runTrainTask(c, t), TaskOutcome::Trained);
    const auto m = readJson(taskDir(c, t) / "metrics.json");
    EXPECT_EQ(m["precision"], "bf16");
    EXPECT_TRUE(std::isfinite(m["curves"]["train_loss"][0].get<double>()));
    for (const auto& row : readPredictions(taskDir(c, t) / "predictions.csv")) EXPECT_TRUE(row.prob >= 0 && row.prob <= 1);
  }
}

TEST_F(TrainTaskTest, XgbExpertTrainsOnTheRegionsRadiomics) {
  const Config c = config("a");
  const TrainTask t{"LLL", "xgb", 0};
  ASSERT_EQ(runTrainTask(c, t), TaskOutcome::Trained);
  const fs::path dir = taskDir(c, t);
  EXPECT_TRUE(fs::exists(dir / "model.json"));
  const auto m = readJson(dir / "metrics.json");
  EXPECT_EQ(m["features"], 107);
  EXPECT_LE(m["best_iteration"].get<int>(), c.xgb.trees - 1);
  const auto p = readPredictions(dir / "predictions.csv");
  const TaskData data = loadTaskData(c, t);
  EXPECT_EQ(p.size(), data.val.size() + data.test.size());
  // Same task elsewhere: identical predictions.
  const Config other = config("b");
  runTrainTask(other, t);
  EXPECT_EQ(readFile(dir / "predictions.csv"), readFile(taskDir(other, t) / "predictions.csv"));
  // The paper protocol fits on 70 % of the validation half.
  const Config paper = config("p", {"xgb.train_on=paper"});
  runTrainTask(paper, t);
  const auto mp = readJson(taskDir(paper, t) / "metrics.json");
  EXPECT_EQ(mp["train_on"], "paper");
  EXPECT_TRUE(mp.contains("paper_holdout_auc"));
}

TEST_F(TrainTaskTest, ModelFileLoadsInPythonWithTheSameTensors) {
  const Config c = config("a");
  runTrainTask(c, kLllCnn);
  const fs::path model = taskDir(c, kLllCnn) / "model.pt";
  const fs::path script = dir_ / "load.py";
  std::ofstream(script) << "import json, sys, torch\n"
                           "m = torch.jit.load(sys.argv[1], map_location='cpu')\n"
                           "out = {}\n"
                           "for k, v in list(m.named_parameters()) + list(m.named_buffers()):\n"
                           "    d = v.detach().double().flatten()\n"
                           "    out[k] = [list(v.shape), float(d.sum()), [float(x) for x in d[:3]]]\n"
                           "print(json.dumps(out))\n";
  const std::string command =
      std::string(REN_PYTHON) + " " + script.string() + " " + model.string() + " > " + (dir_ / "py.json").string();
  ASSERT_EQ(std::system(command.c_str()), 0) << command << " (Debian's python3-torch must be installed)";
  const auto py = readJson(dir_ / "py.json");
  preprocess::ShardDataset shards(c.run.dir + "/data", 1);
  auto net = models::buildNetwork("cnn", networkSpec(c, shards.index().grid));
  torch::serialize::InputArchive archive;
  archive.load_from(model.string());
  net->load(archive);
  std::map<std::string, torch::Tensor> ours;
  for (const auto& p : net->named_parameters(true)) ours[p.key()] = p.value();
  for (const auto& b : net->named_buffers(true)) ours[b.key()] = b.value();
  ASSERT_EQ(py.size(), ours.size());
  for (const auto& [name, tensor] : ours) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(py.contains(name));
    const auto& entry = py[name];
    EXPECT_EQ(entry[0].get<std::vector<std::int64_t>>(), tensor.sizes().vec());
    const auto d = tensor.detach().to(torch::kDouble).flatten();
    EXPECT_NEAR(entry[1].get<double>(), d.sum().item<double>(), 1e-9 * (1 + std::abs(d.sum().item<double>())));
    for (std::int64_t i = 0; i < std::min<std::int64_t>(3, d.numel()); ++i)
      EXPECT_EQ(entry[2][static_cast<std::size_t>(i)].get<double>(), d[i].item<double>());
  }
}

TEST_F(TrainTaskTest, MissingSplitAndBadTasksAreClearErrors) {
  const Config c = config("a");
  fs::remove(fs::path(c.run.dir) / "split.csv");
  try {
    runTrainTask(c, kLllCnn);
    FAIL() << "no error without split.csv";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("split.csv"), std::string::npos) << e.what();
  }
  EXPECT_EQ(readJson(taskDir(c, kLllCnn) / "status.json")["state"], "failed");
  EXPECT_THROW(validateTask(TrainTask{"LUNG", "xgb", 0}, 5), UsageError);
  EXPECT_THROW(validateTask(TrainTask{"LLL", "swinunetr", 0}, 5), UsageError);
  EXPECT_THROW(validateTask(TrainTask{"LLL", "cnn", 5}, 5), UsageError);
  EXPECT_THROW(validateTask(TrainTask{"XYZ", "cnn", 0}, 5), UsageError);
}

TEST_F(TrainTaskTest, CorruptCheckpointIsDiscarded) {
  const Config c = config("a");
  fs::create_directories(taskDir(c, kLllCnn));
  std::ofstream(taskDir(c, kLllCnn) / "checkpoint.pt") << "not an archive";
  ASSERT_EQ(runTrainTask(c, kLllCnn), TaskOutcome::Trained);
  const Config b = config("b");
  runTrainTask(b, kLllCnn);
  EXPECT_EQ(readFile(taskDir(c, kLllCnn) / "predictions.csv"), readFile(taskDir(b, kLllCnn) / "predictions.csv"));
  EXPECT_NE(readFile(taskDir(c, kLllCnn) / "log.txt").find("unreadable"), std::string::npos);
}

}  // namespace
}  // namespace ren::train
