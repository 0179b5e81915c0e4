#pragma once
// The processes that run one stage together (MPI ranks under mpirun/srun, or just this process).
// Core code sees only this interface, so it never links MPI; the `ren` binary provides the MPI one.
namespace ren {

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Collective: true on every rank iff `ok` is true on every rank (also a barrier). Every rank
  /// must call it the same number of times, also after a local failure.
  virtual bool allTrue(bool ok) = 0;
};

/// A group of one: this process.
ProcessGroup& singleProcess();

}  // namespace ren
