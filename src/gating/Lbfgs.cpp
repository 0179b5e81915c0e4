#include "Lbfgs.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>

namespace ren::gating {

namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double maxAbs(const std::vector<double>& a) {
  double m = 0;
  for (double v : a) m = std::max(m, std::abs(v));
  return m;
}

}  // namespace

LbfgsResult minimiseLbfgs(const Objective& f, std::vector<double> x, int maxIterations, double gradTol, int memory) {
  const std::size_t n = x.size();
  std::vector<double> g(n), gNew(n), xNew(n), d(n);
  double fx = f(x, g);
  std::deque<std::vector<double>> sHist, yHist;
  std::deque<double> rhoHist;
  LbfgsResult result;
  int it = 0;
  for (; it < maxIterations; ++it) {
    if (maxAbs(g) < gradTol) {
      result.converged = true;
      break;
    }
    // Two-loop recursion: d = -H g.
    std::vector<double> q = g;
    std::vector<double> alpha(sHist.size());
    for (std::size_t i = sHist.size(); i-- > 0;) {
      alpha[i] = rhoHist[i] * dot(sHist[i], q);
      for (std::size_t j = 0; j < n; ++j) q[j] -= alpha[i] * yHist[i][j];
    }
    double gamma = 1.0;
    if (!sHist.empty()) gamma = dot(sHist.back(), yHist.back()) / dot(yHist.back(), yHist.back());
    for (std::size_t j = 0; j < n; ++j) q[j] *= gamma;
    for (std::size_t i = 0; i < sHist.size(); ++i) {
      const double beta = rhoHist[i] * dot(yHist[i], q);
      for (std::size_t j = 0; j < n; ++j) q[j] += sHist[i][j] * (alpha[i] - beta);
    }
    for (std::size_t j = 0; j < n; ++j) d[j] = -q[j];
    double slope = dot(g, d);
    if (!(slope < 0)) {  // not a descent direction: restart from steepest descent
      sHist.clear();
      yHist.clear();
      rhoHist.clear();
      for (std::size_t j = 0; j < n; ++j) d[j] = -g[j];
      slope = -dot(g, g);
    }
    // Armijo backtracking; the first step of steepest descent is scaled to a unit move.
    double step = sHist.empty() ? std::min(1.0, 1.0 / std::max(1e-12, maxAbs(d))) : 1.0;
    double fNew = fx;
    bool accepted = false;
    for (int ls = 0; ls < 60; ++ls) {
      for (std::size_t j = 0; j < n; ++j) xNew[j] = x[j] + step * d[j];
      fNew = f(xNew, gNew);
      if (std::isfinite(fNew) && fNew <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    std::vector<double> s(n), y(n);
    for (std::size_t j = 0; j < n; ++j) {
      s[j] = xNew[j] - x[j];
      y[j] = gNew[j] - g[j];
    }
    const double sy = dot(s, y);
    const double change = std::abs(fx - fNew);
    x.swap(xNew);
    g.swap(gNew);
    const double fOld = fx;
    fx = fNew;
    if (sy > 1e-12 * std::sqrt(dot(s, s) * dot(y, y))) {
      sHist.push_back(std::move(s));
      yHist.push_back(std::move(y));
      rhoHist.push_back(1.0 / sy);
      if (static_cast<int>(sHist.size()) > memory) {
        sHist.pop_front();
        yHist.pop_front();
        rhoHist.pop_front();
      }
    }
    if (change <= 1e-12 * std::max(1.0, std::abs(fOld))) {
      result.converged = true;
      ++it;
      break;
    }
  }
  result.x = std::move(x);
  result.value = fx;
  result.iterations = it;
  if (maxAbs(g) < gradTol) result.converged = true;
  return result;
}

}  // namespace ren::gating
