#pragma once
// Small RAII and convenience layer over the HDF5 C API, shared by every module of the project that
// reads or writes HDF5 files (the scan shards of stage 1, the radiomics feature table, ...).
//
// Design notes
// - Thread safety / locking rules. Every HDF5 call of the project runs under one process-wide mutex,
//   hdf5Mutex(). Take it with an hdf5::Hdf5Lock (never lock hdf5Mutex() by hand around these
//   helpers: Hdf5Lock also switches the error printing off, see Errors). ALL functions of namespace
//   hdf5 below, and the destructors of hdf5::Hid, expect the calling thread to hold an Hdf5Lock; they
//   never lock themselves (the mutex is not recursive), so one lock covers a whole file operation:
//       { hdf5::Hdf5Lock lock; hdf5::Hid file(H5Fopen(...), H5Fclose, "..."); ...; }  // Hids die first
//   Declare the Hdf5Lock BEFORE any Hid so that the identifiers are closed while it is still held.
//   Why a mutex of our own: Debian 12's libhdf5 1.10.8 (serial) turns out to be built thread-safe
//   (H5_HAVE_THREADSAFE, H5is_library_threadsafe() = 1: the library serialises its API calls with its
//   own global lock), but builds made with --enable-parallel (MPI), common on clusters, cannot be
//   thread-safe, and there the error stack and H5Eset_auto2 are global state too. Our mutex makes the
//   code correct on both; it costs nothing beyond the serialisation a thread-safe library imposes
//   anyway. Work that is slow and parallelisable (compression, conversions) should be done outside
//   the lock where the format allows it (ScanShard.cpp does so with H5Dwrite_chunk/H5Dread_chunk).
// - Errors. While an Hdf5Lock is held, HDF5's automatic error-stack printing is switched off (it is
//   restored when the lock is released). A failing call is turned into an hdf5::Hdf5Failure whose
//   message names the object (dataset / attribute / link) and ends with hdf5ErrorText(), the most
//   specific message of HDF5's error stack. Callers catch it (or std::exception) and add the context
//   they know (file, record), typically re-throwing an InputError.
// - Strings are variable-length UTF-8 strings (h5py >= 3 reads them as str): scalar attributes or 1-D
//   datasets. The readers also accept fixed-length strings written by other tools (read up to the
//   first NUL). Small integers are int32, counts and sizes int64, real numbers float64, all stored
//   little-endian whatever the host.
// - Determinism. Datasets written here do not store modification times (H5Pset_obj_track_times(..., 0)
//   on their creation lists) and are compressed with a fixed deflate level, so identical content
//   gives identical bytes. For a byte-identical FILE the caller also passes a file creation list with
//   time tracking off (it covers the root group) and does the same on the group creation lists.
#include <hdf5.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace ren::preprocess {

/// The process-wide mutex that serialises every HDF5 call of the project (HDF5 builds for MPI are
/// never thread-safe). Any code that calls HDF5 directly must hold it, preferably through
/// hdf5::Hdf5Lock.
std::mutex& hdf5Mutex();

namespace hdf5 {

/// Holds the process-wide HDF5 mutex and silences HDF5's automatic error-stack printing while held.
class Hdf5Lock {
 public:
  Hdf5Lock() : lock_(hdf5Mutex()) {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Hdf5Lock() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  Hdf5Lock(const Hdf5Lock&) = delete;
  Hdf5Lock& operator=(const Hdf5Lock&) = delete;

 private:
  std::unique_lock<std::mutex> lock_;
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

/// A failed HDF5 operation; the message names the object and carries hdf5ErrorText().
struct Hdf5Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The most specific message of the calling thread's HDF5 error stack (cleared afterwards), or
/// "HDF5 error" when the stack is empty.
std::string hdf5ErrorText();

/// Throws Hdf5Failure(what + ": " + hdf5ErrorText()).
[[noreturn]] void failHdf5(const std::string& what);

/// Returns `status`; calls failHdf5(what) when it is negative.
herr_t check(herr_t status, const std::string& what);

/// An HDF5 identifier closed on destruction (always destroyed while the lock is held).
class Hid {
 public:
  using Closer = herr_t (*)(hid_t);
  Hid() = default;
  /// Takes ownership of `id`; calls failHdf5(what) when it is negative.
  Hid(hid_t id, Closer closer, const std::string& what) : id_(id), closer_(closer) {
    if (id_ < 0) failHdf5(what);
  }
  Hid(Hid&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), closer_(o.closer_) {}
  Hid& operator=(Hid&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      closer_ = o.closer_;
    }
    return *this;
  }
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  ~Hid() { reset(); }
  hid_t get() const { return id_; }
  /// Closes the identifier (if any), ignoring errors.
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = H5I_INVALID_HID;
  }
  /// Closes now and reports a failure (H5Fclose flushes: its error matters when writing).
  void close(const std::string& what) {
    if (id_ < 0) return;
    const herr_t status = closer_(id_);
    id_ = H5I_INVALID_HID;
    check(status, what);
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// A file access property list that does not fail on file systems without flock (HDF5 >= 1.10.7:
/// file locking is attempted but its absence ignored; Lustre / NFS mounts often have it disabled).
Hid fileAccessList();

/// A scalar dataspace.
Hid scalarSpace();

/// A variable-length UTF-8 string type.
Hid stringType();

// ---------------------------------------------------------------------------------------------
// Attributes (of a file, group or dataset `obj`)

/// Scalar variable-length UTF-8 string attribute.
void writeStringAttr(hid_t obj, const char* name, const std::string& value);
/// Scalar int32 attribute.
void writeIntAttr(hid_t obj, const char* name, int value);
/// Scalar float64 attribute.
void writeDoubleAttr(hid_t obj, const char* name, double value);

/// 1-D attribute of `n` values: int64 for std::int64_t, float64 for double.
template <class T>
void writeArrayAttr(hid_t obj, const char* name, const T* values, std::size_t n) {
  static_assert(std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>);
  const hid_t fileType = std::is_same_v<T, double> ? H5T_IEEE_F64LE : H5T_STD_I64LE;
  const hid_t memType = std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64;
  const hsize_t dims[1] = {static_cast<hsize_t>(n)};
  const Hid space(H5Screate_simple(1, dims, nullptr), H5Sclose, "cannot create dataspace");
  const Hid attr(H5Acreate2(obj, name, fileType, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                 std::string("cannot create attribute ") + name);
  check(H5Awrite(attr.get(), memType, values), std::string("cannot write attribute ") + name);
}

template <class T, std::size_t N>
void writeArrayAttr(hid_t obj, const char* name, const std::array<T, N>& values) {
  writeArrayAttr(obj, name, values.data(), N);
}

/// Opens an existing attribute; throws Hdf5Failure "attribute 'name' is missing" when absent.
Hid openAttr(hid_t obj, const char* name);

/// A single string (variable- or fixed-length; a fixed-length one is cut at its first NUL and
/// trailing blanks are dropped).
std::string readStringAttr(hid_t obj, const char* name);

/// Reads exactly `n` numeric values (any integer or float type, converted by HDF5) into `out`;
/// T is std::int64_t, double or int.
template <class T>
void readArrayAttr(hid_t obj, const char* name, T* out, std::size_t n) {
  static_assert(std::is_same_v<T, std::int64_t> || std::is_same_v<T, double> || std::is_same_v<T, int>);
  const hid_t memType = std::is_same_v<T, double>         ? H5T_NATIVE_DOUBLE
                        : std::is_same_v<T, std::int64_t> ? H5T_NATIVE_INT64
                                                          : H5T_NATIVE_INT;
  const Hid attr = openAttr(obj, name);
  const Hid type(H5Aget_type(attr.get()), H5Tclose, std::string("cannot read attribute ") + name);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) throw Hdf5Failure(std::string("attribute '") + name + "' is not numeric");
  const Hid space(H5Aget_space(attr.get()), H5Sclose, std::string("cannot read attribute ") + name);
  const hssize_t count = H5Sget_simple_extent_npoints(space.get());
  if (count != static_cast<hssize_t>(n))
    throw Hdf5Failure(std::string("attribute '") + name + "' has " + std::to_string(count) + " values, expected " +
                      std::to_string(n));
  check(H5Aread(attr.get(), memType, out), std::string("cannot read attribute ") + name);
}

template <class T, std::size_t N>
void readArrayAttr(hid_t obj, const char* name, std::array<T, N>& out) {
  readArrayAttr(obj, name, out.data(), N);
}

/// A single numeric value as int / double.
int readIntAttr(hid_t obj, const char* name);
double readDoubleAttr(hid_t obj, const char* name);

// ---------------------------------------------------------------------------------------------
// Links and datasets (at group or file `loc`; `name` may be a path relative to it)

/// True if the link `name` exists at `loc` (every intermediate group of a path must exist).
bool linkExists(hid_t loc, const char* name);

/// 1-D dataset of variable-length UTF-8 strings (contiguous, no time tracking). An empty vector
/// gives a dataset of shape (0,). Throws Hdf5Failure for a string containing a NUL byte.
void writeStringDataset(hid_t loc, const char* name, const std::vector<std::string>& values);

/// All strings of a 1-D (or scalar) string dataset, variable- or fixed-length (a fixed-length one is
/// cut at its first NUL; space-padded ones lose their trailing blanks).
std::vector<std::string> readStringDataset(hid_t loc, const char* name);

/// float64 (little-endian) dataset of shape `dims` (row-major, rank >= 1) holding `values`, whose
/// size must equal the product of `dims`. Non-empty data is chunked and deflated at level 4; no time
/// tracking, so the same values give the same bytes. NaN and infinities are stored as they are.
void writeDoubleDataset(hid_t loc, const char* name, const std::vector<double>& values,
                        const std::vector<hsize_t>& dims);

/// All values of a numeric dataset (any integer or float type, converted to double by HDF5) in
/// row-major order; its shape goes to `*dims` when given (empty for a scalar dataset).
std::vector<double> readDoubleDataset(hid_t loc, const char* name, std::vector<hsize_t>* dims = nullptr);

/// int64 (little-endian) counterpart of writeDoubleDataset.
void writeInt64Dataset(hid_t loc, const char* name, const std::vector<std::int64_t>& values,
                       const std::vector<hsize_t>& dims);

/// All values of an integer dataset as int64 (float datasets are refused), shape to `*dims`.
std::vector<std::int64_t> readInt64Dataset(hid_t loc, const char* name, std::vector<hsize_t>* dims = nullptr);

}  // namespace hdf5
}  // namespace ren::preprocess
