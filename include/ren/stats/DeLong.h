#pragma once
// DeLong's nonparametric AUC variance and tests, by the fast algorithm of Sun & Xu (2014): midranks
// instead of the m x n placement matrix, O(K N log N) for K models on N scans. Matches pROC
// (ci.auc / var / roc.test with method = "delong", direction "<": higher scores = class 1).
// Ties count 1/2. AUCs are clamped to [0, 1]. Degenerate input (a class with fewer than 2 samples,
// sizes that differ, non-finite scores, labels other than 0/1) is an InputError naming the problem.
#include <cstdint>
#include <string>
#include <vector>

namespace ren::stats {

/// AUCs of K models scored on the same scans and their DeLong covariance S = S10/m + S01/n
/// (S10, S01 with denominators m-1 and n-1; m positives, n negatives).
struct DeLongEstimate {
  std::vector<double> auc;                       ///< K values
  std::vector<std::vector<double>> covariance;   ///< K x K
  std::int64_t positives = 0, negatives = 0;
};
DeLongEstimate delong(const std::vector<int>& labels, const std::vector<std::vector<double>>& scoresPerModel);

/// AUC with its DeLong variance and the normal CI auc +- z_{(1+level)/2} sqrt(var), clamped to [0, 1].
struct AucInterval {
  double auc = 0, variance = 0, lower = 0, upper = 0, level = 0.95;
};
AucInterval delongCi(const std::vector<int>& labels, const std::vector<double>& scores, double level = 0.95);

/// A two-model comparison. Paired: statistic Z = (auc1 - auc2) / sqrt(S11 + S22 - 2 S12), two-sided
/// normal p, CI of the difference. Unpaired (different scans): statistic D as pROC computes it, with
/// its degrees of freedom and two-sided t p-value (df is NaN for the paired test).
struct AucComparison {
  double auc1 = 0, auc2 = 0, difference = 0;  ///< difference = auc1 - auc2
  double statistic = 0, df = 0, pValue = 1;
  double lower = 0, upper = 0;                ///< CI of the difference at `level` (paired only; NaN unpaired)
  std::string method;                         ///< "DeLong paired (Z)" / "DeLong unpaired (D)"
};
/// Throws InputError when the variance of the difference is 0 (e.g. identical or constant models).
AucComparison pairedDeLongTest(const std::vector<int>& labels, const std::vector<double>& scores1,
                               const std::vector<double>& scores2, double level = 0.95);
AucComparison unpairedDeLongTest(const std::vector<int>& labels1, const std::vector<double>& scores1,
                                 const std::vector<int>& labels2, const std::vector<double>& scores2);

/// Test that K >= 2 paired models have equal AUC (DeLong et al. 1988): chi2 = (L a)' (L S L')^-1 (L a)
/// with the contrast matrix L of rows e_k - e_{k+1}, df = K - 1.
struct AucEqualityTest {
  double chiSquare = 0;
  int df = 0;
  double pValue = 1;
};
AucEqualityTest delongEqualityTest(const std::vector<int>& labels, const std::vector<std::vector<double>>& scoresPerModel);

}  // namespace ren::stats
