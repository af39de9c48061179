// Test helper: the reading side of SELKIES_UINPUT_MOUSE_SOCKET, as a uinput mouse process would
// have it. Binds a Unix datagram socket at argv[1], prints "ready", then each datagram it
// receives as one line of lowercase hex, until killed.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SOCKET_PATH\n", argv[0]);
    return 2;
  }
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || std::strlen(argv[1]) >= sizeof addr.sun_path) return 1;
  std::memcpy(addr.sun_path, argv[1], std::strlen(argv[1]));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "bind %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  unsigned char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    for (ssize_t i = 0; i < n; ++i) std::printf("%02x", buf[i]);
    std::printf("\n");
    std::fflush(stdout);
  }
}
