#pragma once
// Limited-memory BFGS with an Armijo backtracking line search, for the small smooth problems of the
// learned gating strategies (tens to hundreds of parameters). Deterministic. Internal to ren_gating.
#include <functional>
#include <vector>

namespace ren::gating {

/// Returns f(x) and writes the gradient into `grad` (same size as x).
using Objective = std::function<double(const std::vector<double>& x, std::vector<double>& grad)>;

struct LbfgsResult {
  std::vector<double> x;
  double value = 0;
  int iterations = 0;
  bool converged = false;
};

/// Minimises `f` from `x0`: stops when the gradient's infinity norm is below `gradTol` or f changes by
/// less than 1e-12 relative, or after `maxIterations`.
LbfgsResult minimiseLbfgs(const Objective& f, std::vector<double> x0, int maxIterations = 500,
                          double gradTol = 1e-7, int memory = 8);

}  // namespace ren::gating
