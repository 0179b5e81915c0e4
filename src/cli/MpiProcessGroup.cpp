#include "MpiProcessGroup.h"

#include <mpi.h>

#include <cstdlib>

namespace ren::cli {

namespace {

bool startedByLauncher() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(var)) return true;
  return false;
}

class MpiWorld final : public ProcessGroup {
 public:
  MpiWorld() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiWorld() override { MPI_Finalize(); }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  bool allTrue(bool ok) override {
    int local = ok ? 1 : 0, all = 0;
    MPI_Allreduce(&local, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all == 1;
  }

 private:
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace

std::shared_ptr<ProcessGroup> launchProcessGroup() {
  if (startedByLauncher()) return std::make_shared<MpiWorld>();
  return std::shared_ptr<ProcessGroup>(&singleProcess(), [](ProcessGroup*) {});
}

}  // namespace ren::cli
