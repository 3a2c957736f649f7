#include "unpack/hashing_input.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "sandbox/lazy_lib.h"
#include "sandbox/write_all.h"

namespace sandbox::unpack {
namespace {

// libcrypto is opened by the unpack mode alone (sandbox/lazy_lib.h): every other monitor, the
// long-lived ones of running containers above all, would otherwise map and relocate it.
struct CryptoApi {
  decltype(&::EVP_MD_CTX_new) ctx_new = nullptr;
  decltype(&::EVP_MD_CTX_free) ctx_free = nullptr;
  decltype(&::EVP_sha256) sha256 = nullptr;
  decltype(&::EVP_DigestInit_ex) init = nullptr;
  decltype(&::EVP_DigestUpdate) update = nullptr;
  decltype(&::EVP_DigestFinal_ex) final = nullptr;
};
CryptoApi crypto;

int load_crypto(Error& err) {
  static lazy::Library lib("libcrypto.so.3");
  if (!lib.resolve(crypto.ctx_new, "EVP_MD_CTX_new", err) || !lib.resolve(crypto.ctx_free, "EVP_MD_CTX_free", err) ||
      !lib.resolve(crypto.sha256, "EVP_sha256", err) || !lib.resolve(crypto.init, "EVP_DigestInit_ex", err) ||
      !lib.resolve(crypto.update, "EVP_DigestUpdate", err) || !lib.resolve(crypto.final, "EVP_DigestFinal_ex", err))
    return -1;
  return 0;
}

constexpr size_t kChunk = 1 << 20;
constexpr int kPipeSize = 1 << 20;


}  // namespace

HashingInput::~HashingInput() {
  // Only on an early return of the caller (an unpack error), just before the process exits
  // with its verdict: nobody needs the digest then, and waiting for the rest of the stream
  // would only delay the error.
  if (thread_.joinable()) thread_.detach();
}

int HashingInput::start(int source, Error& err) {
  // The tar reader may close its end while we write: an EPIPE to handle, not a signal to die of.
  ::signal(SIGPIPE, SIG_IGN);
  if (load_crypto(err) < 0) return -1;
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return err.sys("pipe");
  out_r_.reset(p[0]);
  out_w_.reset(p[1]);
  ::fcntl(out_w_.get(), F_SETPIPE_SZ, kPipeSize);  // best effort: fewer, larger transfers
  source_ = source;
  thread_ = std::thread([this] { run(); });
  started_ = true;
  return 0;
}

void HashingInput::run() {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(crypto.ctx_new(), crypto.ctx_free);
  if (!ctx || crypto.init(ctx.get(), crypto.sha256(), nullptr) != 1) {
    read_errno_ = ENOMEM;
    out_w_.reset();
    return;
  }
  std::unique_ptr<char[]> buf(new char[kChunk]);
  bool passing = true;
  for (;;) {
    ssize_t n = ::read(source_, buf.get(), kChunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      read_errno_ = errno;
      break;
    }
    if (n == 0) break;
    crypto.update(ctx.get(), buf.get(), static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
    if (passing && !write_all(out_w_.get(), buf.get(), static_cast<size_t>(n))) {
      passing = false;
      out_w_.reset();
    }
  }
  out_w_.reset();  // EOF for the reader
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  crypto.final(ctx.get(), md, &len);
  static const char hex[] = "0123456789abcdef";
  digest_ = "sha256:";
  for (unsigned i = 0; i < len; i++) {
    digest_ += hex[md[i] >> 4];
    digest_ += hex[md[i] & 15];
  }
}

int HashingInput::finish(std::string& digest, uint64_t& size, Error& err) {
  if (!started_) return err.fail("hashing input was not started", EINVAL);
  out_r_.reset();  // whatever the reader left is drained (and hashed) by the thread
  thread_.join();
  if (read_errno_ != 0) return err.sys("reading the layer stream", read_errno_);
  digest = digest_;
  size = size_;
  return 0;
}

}  // namespace sandbox::unpack
