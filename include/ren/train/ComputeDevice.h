#pragma once
// Where the networks run (train.device), mixed precision (train.precision = bf16: autocast on CPU and
// GPU) and peak memory. CUDA is used when the LibTorch build has it and a GPU is visible; the code
// builds and runs without it.
#include <c10/core/Device.h>

#include <cstdint>
#include <string>

namespace ren::train {

/// auto -> cuda:0 when torch::cuda::is_available(), else cpu; cpu; cuda (ConfigError naming
/// train.device when no GPU is usable).
c10::Device resolveDevice(const std::string& setting);

/// Turns bf16 autocast on for `device` for the guard's lifetime (no-op when !enabled).
class AutocastGuard {
 public:
  AutocastGuard(bool enabled, const c10::Device& device);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool enabled_;
  bool cuda_;
  bool previous_;
};

/// Resets the peak counter (CUDA allocator on a GPU; nothing to reset on CPU).
void resetPeakMemory(const c10::Device& device);
/// Peak bytes: the CUDA allocator's peak allocation since the reset on a GPU; on CPU the process's
/// peak resident set size (getrusage; not reset between tasks of one process).
std::int64_t peakMemoryBytes(const c10::Device& device);

/// Makes glibc keep freed memory for reuse instead of returning every large block to the kernel:
/// training allocates and frees tensors of tens of MB each step, and fresh pages cost a page fault
/// each (measured: 0.8 s to first-touch 76 MB on a loaded VM). Called once per process by the trainer.
void keepFreedHostMemory();

/// "cpu", or "cuda:0 (<GPU name>)" when known.
std::string describeDevice(const c10::Device& device);

}  // namespace ren::train
