// The experts recover the synthetic cohort's disease: ILD there is basal, so on every fold the
// lower-lobe CNN experts (LLL, RLL) reach a higher validation AUC than the upper-lobe ones (LUL, RUL).
// Small CNNs (4 and 8 channels) for 8 epochs on the shared tiny run (about 100 scans, 32^3).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "ren/core/AtomicFile.h"
#include "ren/train/TaskRunner.h"
#include "support/TempDirTest.h"
#include "train/TrainFixture.h"

namespace ren::train {
namespace {

class LobeEffectTest : public test::TempDirTest {
 protected:
  LobeEffectTest() : TempDirTest("ren_train_effect") {}
};

TEST_F(LobeEffectTest, LowerLobeExpertsBeatUpperLobeExperts) {
  const Config c = test::trainTestConfig(dir_ / "run", {"cnn.epochs=8", "cnn.patience=8", "cnn.lr=0.003",
                                                        "cnn.scheduler=none", "cnn.augment=none", "cnn.dropout=0.2"});
  std::map<std::string, std::vector<double>> auc;
  for (int fold = 0; fold < 5; ++fold)
    for (const char* region : {"LLL", "RLL", "LUL", "RUL"}) {
      const TrainTask t{region, "cnn", fold};
      runTrainTask(c, t);
      const auto m = nlohmann::json::parse(readFile(taskDir(c, t) / "metrics.json"));
      if (!m["val"]["auc"].is_null()) auc[region].push_back(m["val"]["auc"].get<double>());
    }
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? NAN : s / static_cast<double>(v.size());
  };
  const double lower = (mean(auc["LLL"]) + mean(auc["RLL"])) / 2;
  const double upper = (mean(auc["LUL"]) + mean(auc["RUL"])) / 2;
  RecordProperty("lower_lobe_val_auc", std::to_string(lower));
  RecordProperty("upper_lobe_val_auc", std::to_string(upper));
  std::printf("mean validation AUC: LLL %.3f RLL %.3f | LUL %.3f RUL %.3f\n", mean(auc["LLL"]), mean(auc["RLL"]),
              mean(auc["LUL"]), mean(auc["RUL"]));
  EXPECT_GE(auc["LLL"].size(), 4u);
  EXPECT_GT(lower, 0.8);
  EXPECT_GT(lower, upper + 0.1);
}

}  // namespace
}  // namespace ren::train
