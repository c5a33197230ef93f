// The sendfile engine: one sender thread per JS environment with its own epoll over dup'd
// socket and file descriptors (zero-copy rules R4-R7, R10). JS is touched only through the
// thread-safe function, on the JS thread.
#pragma once

#include <node_api.h>
#include <pthread.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace samsa {

// A file region (fd, position, length) or, when data is set, bytes in memory: a JS Buffer the
// caller keeps alive until the op completes, sent with send().
struct SendRegion {
  int fd;  // a dup owned by the op; -1 for memory
  int64_t position;
  int64_t length;
  const char* data = nullptr;
};

// Sends up to count bytes of r from done on; MSG_MORE on memory followed by more of the op, so
// a frame header leaves in the same segment as the data after it. Sets *syscall for errno.
ssize_t SendPart(int sock, const SendRegion& r, int64_t done, size_t count, bool more,
                 const char** syscall);

struct SendOp {
  uint64_t id = 0;
  int sock = -1;                // dup of the socket, owned
  std::vector<int> owned_fds;   // distinct file dups, owned
  std::vector<SendRegion> regions;
  int64_t timeout_ms = 0;
  // Sender-thread state.
  size_t index = 0;
  int64_t done_in_region = 0;
  int64_t last_progress_ns = 0;
  bool registered = false;  // in the engine's epoll set
  bool queued_ready = false;
  // Result.
  int64_t sent = 0;
  int err = 0;
  bool eof = false;
  const char* syscall = "sendfile";
};

class SendfileEngine {
 public:
  SendfileEngine() = default;
  // Starts the thread. On failure returns false with *err / *syscall set.
  bool Start(napi_threadsafe_function tsfn, int* err, const char** syscall);

  // JS thread. Takes ownership of op.
  bool Submit(SendOp* op);
  void Cancel(uint64_t id);
  // Stops and joins the thread, closing the fds of unfinished ops (no JS is called). Idempotent.
  void Stop();

  uint64_t NextId() { return ++last_id_; }
  napi_threadsafe_function tsfn() const { return tsfn_; }
  // JS-thread bookkeeping so the thread-safe function only keeps the loop alive while busy.
  int64_t in_flight = 0;

 private:
  static void* ThreadMain(void* self);
  void Run();
  void Wake();
  void Step(SendOp* op);
  void Finish(SendOp* op, int err, const char* syscall, bool eof = false);
  int NextTimeoutMs(int64_t now);
  void ExpireTimeouts(int64_t now);

  napi_threadsafe_function tsfn_ = nullptr;
  int epfd_ = -1;
  int wakefd_ = -1;
  pthread_t thread_{};
  bool running_ = false;
  uint64_t last_id_ = 0;

  std::mutex mu_;  // guards the three fields below
  std::vector<SendOp*> incoming_;
  std::vector<uint64_t> cancels_;
  bool stopping_ = false;

  // Sender thread only.
  std::unordered_map<uint64_t, SendOp*> active_;
  std::deque<uint64_t> ready_;
};

void CloseOpFds(SendOp* op);

}  // namespace samsa
