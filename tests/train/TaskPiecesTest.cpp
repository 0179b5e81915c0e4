// The small pieces of a training task: task names and validation (TrainTask.h), the grid
// (regions, folds, order), task seeds, class weights (TaskData.h), predictions.csv and metrics
// (TaskOutputs.h), and the train-related config keys and recipe defaults (Config.h, ConfigSchema.h).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "ren/core/Config.h"
#include "ren/core/ConfigSchema.h"
#include "ren/core/Error.h"
#include "ren/train/TaskData.h"
#include "ren/train/TaskOutputs.h"
#include "ren/train/TrainTask.h"
#include "support/TempDirTest.h"

using namespace ren;
using train::Prediction;
using train::TrainTask;

namespace {

/// The message of the exception `f` throws as E; fails the test when it throws nothing.
template <class E, class F>
std::string messageOf(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> names(const std::vector<Region>& regions) {
  std::vector<std::string> out;
  for (const auto& r : regions) out.emplace_back(r.name);
  return out;
}

}  // namespace

// ---- task names -------------------------------------------------------------------------------

TEST(TrainTask, NameIsRegionArchFold) {
  EXPECT_EQ((TrainTask{"LLL", "cnn", 3}).name(), "LLL-cnn-f3");
  EXPECT_EQ((TrainTask{"LUNG", "swinunetr", 0}).name(), "LUNG-swinunetr-f0");
  EXPECT_TRUE((TrainTask{"LUNG", "cnn", 0}).isBaseline());
  EXPECT_FALSE((TrainTask{"LEFT", "cnn", 0}).isBaseline());
}

TEST(TrainTask, RegionInfo) {
  EXPECT_EQ((TrainTask{"RML", "vit", 1}).regionInfo().index, 3);
  EXPECT_EQ((TrainTask{"LUNG", "vit", 1}).regionInfo().name, kWholeLung.name);
  EXPECT_THROW((TrainTask{"XYZ", "vit", 1}).regionInfo(), UsageError);
}

TEST(TrainTask, ParseTaskNameRoundTrips) {
  for (const TrainTask& t : {TrainTask{"LLL", "cnn", 3}, TrainTask{"LUNG", "swinunetr", 0}, TrainTask{"RIGHT", "xgb", 12},
                             TrainTask{"LUL", "mamba", 4}}) {
    const TrainTask back = train::parseTaskName(t.name());
    EXPECT_EQ(back, t) << t.name();
    EXPECT_EQ(back.region, t.region);
    EXPECT_EQ(back.arch, t.arch);
    EXPECT_EQ(back.fold, t.fold);
  }
  const TrainTask lung = train::parseTaskName("LUNG-swinunetr-f0");
  EXPECT_EQ(lung.region, "LUNG");
  EXPECT_EQ(lung.arch, "swinunetr");
  EXPECT_EQ(lung.fold, 0);
}

TEST(TrainTask, ParseTaskNameRejectsBadNames) {
  for (const char* bad : {"", "LLL", "LLL-cnn", "LLL-cnn-3", "LLL-cnn-f", "LLL-cnn-fx", "LLL-cnn-f3x", "LLL-cnn-f-1",
                          "LLL-f3", "-f3", "LLLcnnf3"}) {
    EXPECT_THROW(train::parseTaskName(bad), UsageError) << "'" << bad << "'";
  }
}

// A fold too large for int is a usage error too (not std::out_of_range from the conversion).
TEST(TrainTask, ParseTaskNameRejectsAHugeFoldAsUsageError) {
  EXPECT_THROW(train::parseTaskName("LLL-cnn-f99999999999"), UsageError);
}

TEST(TrainTask, ValidateTaskAcceptsTheGridsArchitectures) {
  for (const char* a : {"cnn", "vit", "mamba", "xgb"}) EXPECT_NO_THROW(train::validateTask({"LLL", a, 0}, 5)) << a;
  for (const char* a : {"swinunetr", "cnn", "vit", "mamba"}) EXPECT_NO_THROW(train::validateTask({"LUNG", a, 4}, 5)) << a;
}

TEST(TrainTask, ValidateTaskRefusesXgbOnTheWholeLung) {
  const auto m = messageOf<UsageError>([] { train::validateTask({"LUNG", "xgb", 0}, 5); });
  EXPECT_TRUE(contains(m, "xgb")) << m;
  EXPECT_TRUE(contains(m, "swinunetr, cnn, vit, mamba")) << m;
}

TEST(TrainTask, ValidateTaskRefusesSwinUnetrAsARegionalExpert) {
  const auto m = messageOf<UsageError>([] { train::validateTask({"LLL", "swinunetr", 0}, 5); });
  EXPECT_TRUE(contains(m, "swinunetr")) << m;
  EXPECT_TRUE(contains(m, "cnn, vit, mamba, xgb")) << m;
}

TEST(TrainTask, ValidateTaskRefusesAFoldOutsideTheSplit) {
  const auto m = messageOf<UsageError>([] { train::validateTask({"LLL", "cnn", 5}, 5); });
  EXPECT_TRUE(contains(m, "fold 5")) << m;
  EXPECT_TRUE(contains(m, "0..4")) << m;
  EXPECT_THROW(train::validateTask({"LLL", "cnn", -1}, 5), UsageError);
}

TEST(TrainTask, ValidateTaskRefusesAnUnknownRegionListingTheNames) {
  const auto m = messageOf<UsageError>([] { train::validateTask({"LUNGS", "cnn", 0}, 5); });
  EXPECT_TRUE(contains(m, "LUNGS")) << m;
  EXPECT_TRUE(contains(m, "LUL, LLL, RUL, RML, RLL, LEFT, RIGHT, LUNG")) << m;
}

// ---- the grid ---------------------------------------------------------------------------------

TEST(TrainGrid, DefaultGridHas160TasksFoldMajor) {
  const Config c;
  const auto tasks = train::gridTasks(c, 5);
  ASSERT_EQ(tasks.size(), 7u * 4u * 5u + 4u * 5u);
  std::set<std::string> unique;
  for (const auto& t : tasks) unique.insert(t.name());
  EXPECT_EQ(unique.size(), tasks.size());
  // Per fold: 28 experts (architecture-major, regions in canonical order), then 4 baselines.
  for (int fold = 0; fold < 5; ++fold) {
    const std::size_t base = static_cast<std::size_t>(fold) * 32;
    for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(tasks[base + i].fold, fold) << i;
    EXPECT_EQ(tasks[base + 0].name(), "LUL-cnn-f" + std::to_string(fold));
    EXPECT_EQ(tasks[base + 6].name(), "RIGHT-cnn-f" + std::to_string(fold));
    EXPECT_EQ(tasks[base + 7].name(), "LUL-vit-f" + std::to_string(fold));
    EXPECT_EQ(tasks[base + 27].name(), "RIGHT-xgb-f" + std::to_string(fold));
    EXPECT_EQ(tasks[base + 28].name(), "LUNG-swinunetr-f" + std::to_string(fold));
    EXPECT_EQ(tasks[base + 31].name(), "LUNG-mamba-f" + std::to_string(fold));
  }
  EXPECT_EQ(tasks.back().name(), "LUNG-mamba-f4");
}

TEST(TrainGrid, RegionSetsAndListsInCanonicalOrder) {
  Config c;
  EXPECT_EQ(names(train::gridRegions(c)), (std::vector<std::string>{"LUL", "LLL", "RUL", "RML", "RLL", "LEFT", "RIGHT"}));
  c.train.regions = "lungs";
  EXPECT_EQ(names(train::gridRegions(c)), (std::vector<std::string>{"LEFT", "RIGHT"}));
  c.train.regions = "lobes";
  EXPECT_EQ(names(train::gridRegions(c)), (std::vector<std::string>{"LUL", "LLL", "RUL", "RML", "RLL"}));
  c.train.regions = "LLL,RUL";
  EXPECT_EQ(names(train::gridRegions(c)), (std::vector<std::string>{"LLL", "RUL"}));
  c.train.regions = "RUL, LLL";
  EXPECT_EQ(names(train::gridRegions(c)), (std::vector<std::string>{"LLL", "RUL"}));
  // Through the config parser, which also validates the value.
  const Config parsed = parseConfigText("[train]\nregions = \"RIGHT,LUL\"\n", "test.toml");
  EXPECT_EQ(names(train::gridRegions(parsed)), (std::vector<std::string>{"LUL", "RIGHT"}));
}

TEST(TrainGrid, FoldsAreSortedAndRestrictTheGrid) {
  Config c;
  EXPECT_EQ(train::gridFolds(c, 5), (std::vector<int>{0, 1, 2, 3, 4}));
  c.train.folds = "3,1";
  EXPECT_EQ(train::gridFolds(c, 5), (std::vector<int>{1, 3}));
  const auto tasks = train::gridTasks(c, 5);
  ASSERT_EQ(tasks.size(), 64u);
  EXPECT_EQ(tasks.front().name(), "LUL-cnn-f1");
  EXPECT_EQ(tasks.back().name(), "LUNG-mamba-f3");
  c.train.folds = "5";
  EXPECT_THROW(train::gridFolds(c, 5), ConfigError);
}

TEST(TrainGrid, ExpertsAndBaselinesFollowTheConfig) {
  Config c;
  c.train.experts = "xgb";
  c.train.regions = "lungs";
  c.baseline.architectures = "";
  const auto tasks = train::gridTasks(c, 2);
  ASSERT_EQ(tasks.size(), 4u);
  EXPECT_EQ(tasks[0].name(), "LEFT-xgb-f0");
  EXPECT_EQ(tasks[1].name(), "RIGHT-xgb-f0");
  EXPECT_EQ(tasks[2].name(), "LEFT-xgb-f1");
  EXPECT_EQ(tasks[3].name(), "RIGHT-xgb-f1");
}

TEST(TrainGrid, TaskDirIsUnderRunTasks) {
  Config c;
  c.run.dir = "/tmp/some-run";
  EXPECT_EQ(train::taskDir(c, {"LLL", "cnn", 3}), std::filesystem::path("/tmp/some-run/tasks/LLL-cnn-f3"));
}

TEST(TrainGrid, TaskSeedDependsOnEveryPartAndTheRunSeed) {
  Config c;
  const TrainTask t{"LLL", "cnn", 1};
  const auto s = train::taskSeed(c, t);
  EXPECT_EQ(train::taskSeed(c, TrainTask{"LLL", "cnn", 1}), s);
  EXPECT_NE(train::taskSeed(c, {"RUL", "cnn", 1}), s);
  EXPECT_NE(train::taskSeed(c, {"LLL", "vit", 1}), s);
  EXPECT_NE(train::taskSeed(c, {"LLL", "cnn", 2}), s);
  Config other;
  other.run.seed = 43;
  EXPECT_NE(train::taskSeed(other, t), s);
  // Distinct across the whole default grid.
  std::set<std::uint64_t> seeds;
  const auto tasks = train::gridTasks(c, 5);
  for (const auto& task : tasks) seeds.insert(train::taskSeed(c, task));
  EXPECT_EQ(seeds.size(), tasks.size());
}

// ---- class weights ----------------------------------------------------------------------------

TEST(ClassWeights, AreNOverTwiceTheClassCount) {
  const std::vector<train::LabelledScan> scans{{"a", "p", 0}, {"b", "p", 0}, {"c", "q", 0}, {"d", "r", 1}};
  const auto w = train::classWeights(scans);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_DOUBLE_EQ(w[0], 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(w[1], 4.0 / 2.0);
  const auto balanced = train::classWeights({{"a", "p", 0}, {"b", "q", 1}});
  EXPECT_DOUBLE_EQ(balanced[0], 1.0);
  EXPECT_DOUBLE_EQ(balanced[1], 1.0);
}

// ---- predictions.csv and metrics.json ---------------------------------------------------------

class TaskOutputsTest : public test::TempDirTest {
 protected:
  TaskOutputsTest() : TempDirTest("ren_train_outputs") {}
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
};

TEST_F(TaskOutputsTest, PredictionsRoundTripValFirstAndBitExact) {
  const double third = 1.0 / 3.0, justAboveHalf = std::nextafter(0.5, 1.0), tiny = 1e-300;
  const std::vector<Prediction> in{
      {{"T1", "P1", 1}, "test", third},
      {{"V1", "P2", 0}, "val", justAboveHalf},
      {{"T2", "P3", 0}, "test", 0.0},
      {{"V2", "P4", 1}, "val", 1.0},
      {{"V3", "P4", 0}, "val", tiny},
      {{"T3", "P5", 1}, "test", 0.1 + 0.2},
  };
  const auto path = dir_ / "predictions.csv";
  train::writePredictions(path, in);
  const auto out = train::readPredictions(path);
  const std::vector<std::size_t> order{1, 3, 4, 0, 2, 5};  // val rows, then test rows, each in input order
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto& e = in[order[i]];
    EXPECT_EQ(out[i].scan.scanId, e.scan.scanId) << i;
    EXPECT_EQ(out[i].scan.patientId, e.scan.patientId) << i;
    EXPECT_EQ(out[i].scan.label, e.scan.label) << i;
    EXPECT_EQ(out[i].role, e.role) << i;
    EXPECT_EQ(out[i].prob, e.prob) << i;  // bit-exact
  }
  // The header and the first row as text.
  std::ifstream f(path);
  std::string header, first;
  std::getline(f, header);
  std::getline(f, first);
  EXPECT_EQ(header, "scan_id,patient_id,role,label,prob");
  EXPECT_EQ(first.substr(0, 11), "V1,P2,val,0");
}

TEST_F(TaskOutputsTest, ReadPredictionsRejectsABadHeader) {
  const auto p = write("bad_header.csv", "scan_id,patient_id,role,label,probability\nV1,P1,val,0,0.5\n");
  const auto m = messageOf<InputError>([&] { train::readPredictions(p); });
  EXPECT_TRUE(contains(m, p.string())) << m;
  EXPECT_TRUE(contains(m, "header")) << m;
}

TEST_F(TaskOutputsTest, ReadPredictionsRejectsALabelOtherThanZeroOrOne) {
  const auto p = write("bad_label.csv", "scan_id,patient_id,role,label,prob\nV1,P1,val,0,0.5\nV2,P2,val,2,0.5\n");
  const auto m = messageOf<InputError>([&] { train::readPredictions(p); });
  EXPECT_TRUE(contains(m, p.string() + ":3")) << m;  // names the file and the line
  EXPECT_TRUE(contains(m, "label")) << m;
}

TEST_F(TaskOutputsTest, ReadPredictionsRejectsAProbabilityOutsideZeroOne) {
  for (const char* prob : {"1.5", "-0.1", "nan", "abc"}) {
    const auto p = write("bad_prob.csv", std::string("scan_id,patient_id,role,label,prob\nT1,P1,test,1,") + prob + "\n");
    const auto m = messageOf<InputError>([&] { train::readPredictions(p); });
    EXPECT_TRUE(contains(m, p.string())) << prob << ": " << m;
    EXPECT_TRUE(contains(m, "prob")) << prob << ": " << m;
  }
}

TEST_F(TaskOutputsTest, ReadPredictionsRejectsAnUnknownRole) {
  const auto p = write("bad_role.csv", "scan_id,patient_id,role,label,prob\nX1,P1,train,1,0.5\n");
  const auto m = messageOf<InputError>([&] { train::readPredictions(p); });
  EXPECT_TRUE(contains(m, p.string())) << m;
  EXPECT_TRUE(contains(m, "role")) << m;
}

TEST(PredictionMetrics, YoudenThresholdIsChosenOnValidationAndReusedOnTest) {
  // val: a perfect separation at 0.7 (J = 1 only there). test: labels 0,1,1,1,0 with scores
  // 0.1, 0.69, 0.75, 0.95, 0.8 -> at 0.7: tp 2 (0.75, 0.95), fn 1 (0.69), fp 1 (0.8), tn 1;
  // at 0.5: tp 3, fp 1, tn 1, fn 0; AUC = (3 + 1) / 6.
  std::vector<Prediction> p{
      {{"V1", "A", 0}, "val", 0.2},  {{"V2", "B", 1}, "val", 0.7},   {{"V3", "C", 0}, "val", 0.65},
      {{"V4", "D", 1}, "val", 0.9},  {{"T1", "E", 0}, "test", 0.1},  {{"T2", "F", 1}, "test", 0.69},
      {{"T3", "G", 1}, "test", 0.75}, {{"T4", "H", 1}, "test", 0.95}, {{"T5", "I", 0}, "test", 0.8},
  };
  const auto m = train::predictionMetrics(p);
  EXPECT_EQ(m.at("youden_threshold").get<double>(), 0.7);
  EXPECT_EQ(m.at("val").at("at_youden").at("threshold").get<double>(), 0.7);
  EXPECT_EQ(m.at("test").at("at_youden").at("threshold").get<double>(), 0.7);
  EXPECT_EQ(m.at("val").at("n").get<int>(), 4);
  EXPECT_DOUBLE_EQ(m.at("val").at("auc").get<double>(), 1.0);
  EXPECT_EQ(m.at("val").at("at_youden").at("tp").get<int>(), 2);
  EXPECT_EQ(m.at("val").at("at_youden").at("tn").get<int>(), 2);

  const auto& test = m.at("test");
  EXPECT_EQ(test.at("n").get<int>(), 5);
  EXPECT_EQ(test.at("positives").get<int>(), 3);
  EXPECT_DOUBLE_EQ(test.at("auc").get<double>(), 4.0 / 6.0);
  const auto& y = test.at("at_youden");
  EXPECT_EQ(y.at("tp").get<int>(), 2);
  EXPECT_EQ(y.at("fn").get<int>(), 1);
  EXPECT_EQ(y.at("fp").get<int>(), 1);
  EXPECT_EQ(y.at("tn").get<int>(), 1);
  EXPECT_DOUBLE_EQ(y.at("sensitivity").get<double>(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(y.at("specificity").get<double>(), 0.5);
  const auto& h = test.at("at_0.5");
  EXPECT_EQ(h.at("threshold").get<double>(), 0.5);
  EXPECT_EQ(h.at("tp").get<int>(), 3);
  EXPECT_EQ(h.at("fp").get<int>(), 1);
  EXPECT_EQ(h.at("tn").get<int>(), 1);
  EXPECT_EQ(h.at("fn").get<int>(), 0);
}

TEST(PredictionMetrics, TestScoresDoNotMoveTheThreshold) {
  // Same validation, a different test set: the threshold stays the validation one.
  std::vector<Prediction> p{{{"V1", "A", 0}, "val", 0.2}, {{"V2", "B", 1}, "val", 0.7}, {{"V3", "C", 0}, "val", 0.65},
                            {{"V4", "D", 1}, "val", 0.9}, {{"T1", "E", 0}, "test", 0.3}, {{"T2", "F", 1}, "test", 0.35}};
  const auto m = train::predictionMetrics(p);
  EXPECT_EQ(m.at("youden_threshold").get<double>(), 0.7);
  EXPECT_EQ(m.at("test").at("at_youden").at("threshold").get<double>(), 0.7);
  EXPECT_EQ(m.at("test").at("at_youden").at("tp").get<int>(), 0);
  EXPECT_EQ(m.at("test").at("at_youden").at("fn").get<int>(), 1);
}

// ---- config keys and recipe defaults ----------------------------------------------------------

TEST(TrainConfig, UnknownExpertNamesTheKeyAndTheAllowedValues) {
  const auto m = messageOf<ConfigError>([] { parseConfigText("[train]\nexperts = \"cnn,foo\"", "test.toml"); });
  EXPECT_TRUE(contains(m, "train.experts")) << m;
  EXPECT_TRUE(contains(m, "foo")) << m;
  EXPECT_TRUE(contains(m, "cnn, vit, mamba, xgb")) << m;
}

TEST(TrainConfig, UnknownBaselineNamesTheKey) {
  const auto m = messageOf<ConfigError>([] { parseConfigText("[baseline]\narchitectures = \"xgb\"", "test.toml"); });
  EXPECT_TRUE(contains(m, "baseline.architectures")) << m;
  EXPECT_TRUE(contains(m, "swinunetr, cnn, vit, mamba")) << m;
}

TEST(TrainConfig, SwinUnetrDepthsNeedFourValues) {
  const auto m = messageOf<ConfigError>([] { parseConfigText("[swinunetr]\ndepths = \"2,2,2\"", "test.toml"); });
  EXPECT_TRUE(contains(m, "swinunetr.depths")) << m;
}

TEST(TrainConfig, RegionSetsAndListsAreAccepted) {
  EXPECT_EQ(parseConfigText("[train]\nregions = \"lobes\"", "test.toml").train.regions, "lobes");
  EXPECT_EQ(parseConfigText("[train]\nregions = \"lungs\"", "test.toml").train.regions, "lungs");
  EXPECT_NO_THROW(parseConfigText("[train]\nregions = \"RUL,LLL\"", "test.toml"));
  const auto m = messageOf<ConfigError>([] { parseConfigText("[train]\nregions = \"LLL,LUNG\"", "test.toml"); });
  EXPECT_TRUE(contains(m, "train.regions")) << m;
}

TEST(TrainConfig, FoldsMustExistInTheSplit) {
  EXPECT_EQ(parseConfigText("[train]\nfolds = \"3,1\"", "test.toml").train.folds, "3,1");
  const auto m = messageOf<ConfigError>([] { parseConfigText("[train]\nfolds = \"5\"", "test.toml"); });
  EXPECT_TRUE(contains(m, "train.folds")) << m;
}

TEST(TrainConfig, RecipeDefaultsAreMethodSection5) {
  const Config c = parseConfigText("", "defaults");
  const TrainRecipe& cnn = c.cnn.recipe;
  EXPECT_DOUBLE_EQ(cnn.lr, 1e-4);
  EXPECT_DOUBLE_EQ(cnn.weightDecay, 1e-4);
  EXPECT_EQ(cnn.batch, 4);
  EXPECT_EQ(cnn.epochs, 100);
  EXPECT_EQ(cnn.patience, 15);
  EXPECT_EQ(cnn.scheduler, "plateau");
  EXPECT_DOUBLE_EQ(cnn.labelSmoothing, 0.05);
  EXPECT_DOUBLE_EQ(cnn.clipNorm, 1.0);
  EXPECT_EQ(cnn.augment, "strong");

  const TrainRecipe& vit = c.vit.recipe;
  EXPECT_DOUBLE_EQ(vit.lr, 5e-5);
  EXPECT_DOUBLE_EQ(vit.weightDecay, 1e-3);
  EXPECT_EQ(vit.batch, 2);
  EXPECT_EQ(vit.epochs, 80);
  EXPECT_EQ(vit.patience, 20);
  EXPECT_EQ(vit.scheduler, "cosine");
  EXPECT_DOUBLE_EQ(vit.labelSmoothing, 0.2);
  EXPECT_EQ(vit.augment, "light");

  const TrainRecipe& mamba = c.mamba.recipe;
  EXPECT_DOUBLE_EQ(mamba.lr, 1e-4);
  EXPECT_DOUBLE_EQ(mamba.weightDecay, 1e-3);
  EXPECT_EQ(mamba.batch, 4);
  EXPECT_EQ(mamba.epochs, 80);
  EXPECT_EQ(mamba.patience, 20);
  EXPECT_EQ(mamba.scheduler, "cosine");
  EXPECT_DOUBLE_EQ(mamba.labelSmoothing, 0.2);
  EXPECT_EQ(mamba.augment, "light");

  const TrainRecipe& base = c.baseline.recipe;
  EXPECT_DOUBLE_EQ(base.lr, 4e-4);
  EXPECT_DOUBLE_EQ(base.weightDecay, 1e-5);
  EXPECT_EQ(base.batch, 4);
  EXPECT_EQ(base.epochs, 50);
  EXPECT_EQ(base.patience, 10);
  EXPECT_EQ(base.scheduler, "none");
  EXPECT_DOUBLE_EQ(base.clipNorm, 0.0);
  EXPECT_EQ(base.augment, "none");

  EXPECT_EQ(c.train.experts, "cnn,vit,mamba,xgb");
  EXPECT_EQ(c.baseline.architectures, "swinunetr,cnn,vit,mamba");
  EXPECT_EQ(c.train.regions, "all7");
  EXPECT_EQ(c.split.folds, 5);
}

TEST(TrainConfig, RecipeKeysOverrideOneSectionOnly) {
  const Config c = parseConfigText("[vit]\nlr = 2e-4\nscheduler = \"plateau\"\n", "test.toml");
  EXPECT_DOUBLE_EQ(c.vit.recipe.lr, 2e-4);
  EXPECT_EQ(c.vit.recipe.scheduler, "plateau");
  EXPECT_DOUBLE_EQ(c.mamba.recipe.lr, 1e-4);
  EXPECT_EQ(c.mamba.recipe.scheduler, "cosine");
  const auto m = messageOf<ConfigError>([] { parseConfigText("[cnn]\nscheduler = \"step\"", "test.toml"); });
  EXPECT_TRUE(contains(m, "scheduler")) << m;
  EXPECT_TRUE(contains(m, "plateau")) << m;
}
