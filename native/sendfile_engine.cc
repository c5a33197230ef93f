#include "sendfile_engine.h"

#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

namespace samsa {
namespace {

constexpr int64_t kChunk = 1 << 20;         // one sendfile call (R5)
constexpr int64_t kStepBudget = 4 << 20;     // per op per turn, so busy sends share the thread
constexpr int kMaxEvents = 64;

int64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // cannot fail for CLOCK_MONOTONIC
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// close() errors on a dup are not actionable: the descriptor is released either way on Linux.
void CloseQuietly(int fd) {
  if (fd >= 0 && close(fd) != 0 && errno != EINTR) {
    // EBADF here would mean a double close: a bug, but nothing useful to do at this point.
  }
}

}  // namespace

void CloseOpFds(SendOp* op) {
  CloseQuietly(op->sock);
  op->sock = -1;
  for (int fd : op->owned_fds) CloseQuietly(fd);
  op->owned_fds.clear();
}

bool SendfileEngine::Start(napi_threadsafe_function tsfn, int* err, const char** syscall) {
  tsfn_ = tsfn;
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) {
    *err = errno;
    *syscall = "epoll_create1";
    return false;
  }
  wakefd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakefd_ < 0) {
    *err = errno;
    *syscall = "eventfd";
    return false;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;  // op ids start at 1
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev) != 0) {
    *err = errno;
    *syscall = "epoll_ctl";
    return false;
  }
  // The thread blocks every signal so they keep going to the JS thread's handlers.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&thread_, nullptr, ThreadMain, this);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (rc != 0) {
    *err = rc;
    *syscall = "pthread_create";
    return false;
  }
  running_ = true;
  return true;
}

void* SendfileEngine::ThreadMain(void* self) {
  static_cast<SendfileEngine*>(self)->Run();
  return nullptr;
}

void SendfileEngine::Wake() {
  uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: the thread will wake anyway.
  while (write(wakefd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

bool SendfileEngine::Submit(SendOp* op) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    incoming_.push_back(op);
  }
  Wake();
  return true;
}

void SendfileEngine::Cancel(uint64_t id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    cancels_.push_back(id);
  }
  Wake();
}

void SendfileEngine::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  if (running_) {
    Wake();
    pthread_join(thread_, nullptr);
    running_ = false;
  }
  for (SendOp* op : incoming_) {
    CloseOpFds(op);
    delete op;
  }
  incoming_.clear();
  CloseQuietly(wakefd_);
  CloseQuietly(epfd_);
  wakefd_ = epfd_ = -1;
}

void SendfileEngine::Finish(SendOp* op, int err, const char* syscall, bool eof) {
  op->err = err;
  op->syscall = syscall;
  op->eof = eof;
  if (op->registered) {
    // Must precede close: the registration belongs to the socket's open file description,
    // which Node's own fd keeps alive after our dup is closed.
    if (epoll_ctl(epfd_, EPOLL_CTL_DEL, op->sock, nullptr) != 0 && op->err == 0) {
      op->err = errno;
      op->syscall = "epoll_ctl";
    }
    op->registered = false;
  }
  CloseOpFds(op);
  active_.erase(op->id);
  if (napi_call_threadsafe_function(tsfn_, op, napi_tsfn_nonblocking) != napi_ok) {
    delete op;  // the environment is shutting down: nobody is waiting for the result
  }
}

void SendfileEngine::Step(SendOp* op) {
  int64_t budget = kStepBudget;
  while (op->index < op->regions.size()) {
    const SendRegion& r = op->regions[op->index];
    int64_t remaining = r.length - op->done_in_region;
    if (remaining <= 0) {
      op->index++;
      op->done_in_region = 0;
      continue;
    }
    if (budget <= 0) {
      // Still writable: continue next turn. A registered op is woken by level-triggered EPOLLOUT.
      if (!op->registered && !op->queued_ready) {
        op->queued_ready = true;
        ready_.push_back(op->id);
      }
      return;
    }
    size_t count = static_cast<size_t>(std::min(remaining, std::min(kChunk, budget)));
    const char* syscall = "sendfile";
    bool more = op->index + 1 < op->regions.size();
    ssize_t n = SendPart(op->sock, r, op->done_in_region, count, more, &syscall);
    if (n > 0) {
      op->done_in_region += n;
      op->sent += n;
      budget -= n;
      op->last_progress_ns = NowNs();
      continue;
    }
    if (n == 0) {
      Finish(op, 0, "sendfile", true);  // the file ends before the promised region does (R8)
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      if (!op->registered) {
        epoll_event ev{};
        ev.events = EPOLLOUT;  // level-triggered; EPOLLERR/EPOLLHUP are always reported
        ev.data.u64 = op->id;
        if (epoll_ctl(epfd_, EPOLL_CTL_ADD, op->sock, &ev) != 0) {
          Finish(op, errno, "epoll_ctl");
          return;
        }
        op->registered = true;
      }
      return;
    }
    Finish(op, errno, syscall);
    return;
  }
  Finish(op, 0, "sendfile");
}

ssize_t SendPart(int sock, const SendRegion& r, int64_t done, size_t count, bool more,
                 const char** syscall) {
  if (r.data != nullptr) {
    *syscall = "send";
    int flags = MSG_NOSIGNAL | MSG_DONTWAIT | (more ? MSG_MORE : 0);
    return send(sock, r.data + done, count, flags);
  }
  *syscall = "sendfile";
  off_t offset = r.position + done;
  return sendfile(sock, r.fd, &offset, count);
}

int SendfileEngine::NextTimeoutMs(int64_t now) {
  if (!ready_.empty()) return 0;
  int64_t next = INT64_MAX;
  for (auto& entry : active_) {
    SendOp* op = entry.second;
    if (!op->registered) continue;
    next = std::min(next, op->last_progress_ns + op->timeout_ms * 1000000);
  }
  if (next == INT64_MAX) return -1;
  if (next <= now) return 0;
  // Round up so the timeout has really passed when we wake.
  int64_t ms = (next - now + 999999) / 1000000;
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

void SendfileEngine::ExpireTimeouts(int64_t now) {
  std::vector<SendOp*> expired;
  for (auto& entry : active_) {
    SendOp* op = entry.second;
    if (op->registered && now - op->last_progress_ns >= op->timeout_ms * 1000000) {
      expired.push_back(op);
    }
  }
  for (SendOp* op : expired) Finish(op, ETIMEDOUT, "sendfile");
}

void SendfileEngine::Run() {
  epoll_event events[kMaxEvents];
  std::vector<SendOp*> incoming;
  std::vector<uint64_t> cancels;
  for (;;) {
    int timeout = NextTimeoutMs(NowNs());
    int n = epoll_wait(epfd_, events, kMaxEvents, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      // Only a bug can make epoll_wait fail (EBADF/EINVAL): fail every op rather than spin.
      int err = errno;
      std::vector<SendOp*> all;
      for (auto& entry : active_) all.push_back(entry.second);
      for (SendOp* op : all) Finish(op, err, "epoll_wait");
      n = 0;
    }
    for (int i = 0; i < n; i++) {
      uint64_t id = events[i].data.u64;
      if (id == 0) {
        uint64_t value;
        while (read(wakefd_, &value, sizeof value) < 0 && errno == EINTR) {
        }
        continue;
      }
      auto it = active_.find(id);
      if (it == active_.end()) continue;  // finished earlier in this batch
      SendOp* op = it->second;
      if (events[i].events & EPOLLERR) {
        int so_error = 0;
        socklen_t len = sizeof so_error;
        if (getsockopt(op->sock, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) {
          Finish(op, errno, "getsockopt");
          continue;
        }
        if (so_error != 0) {
          Finish(op, so_error, "sendfile");
          continue;
        }
      }
      Step(op);  // EPOLLHUP without a pending error: sendfile itself reports EPIPE
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
      incoming.swap(incoming_);
      cancels.swap(cancels_);
    }
    int64_t now = NowNs();
    for (SendOp* op : incoming) {
      op->last_progress_ns = now;
      active_[op->id] = op;
    }
    for (uint64_t id : cancels) {
      auto it = active_.find(id);
      if (it != active_.end()) Finish(it->second, ECANCELED, "sendfile");
    }
    for (SendOp* op : incoming) {
      if (active_.count(op->id) != 0) Step(op);
    }
    incoming.clear();
    cancels.clear();
    size_t turns = ready_.size();
    for (size_t i = 0; i < turns; i++) {
      uint64_t id = ready_.front();
      ready_.pop_front();
      auto it = active_.find(id);
      if (it == active_.end()) continue;
      it->second->queued_ready = false;
      Step(it->second);
    }
    ExpireTimeouts(NowNs());
  }
  // Stopping: release every unfinished op without calling into JS.
  for (auto& entry : active_) {
    SendOp* op = entry.second;
    // The epoll fd is closed right after; a failed DEL cannot leave anything behind.
    if (op->registered && epoll_ctl(epfd_, EPOLL_CTL_DEL, op->sock, nullptr) != 0) op->err = errno;
    CloseOpFds(op);
    delete op;
  }
  active_.clear();
  ready_.clear();
}

}  // namespace samsa
