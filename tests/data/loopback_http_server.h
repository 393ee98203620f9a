// A minimal HTTP/1.1 server on 127.0.0.1 for the fetch tests: it answers
// every request with 200 and one body, optionally cut short to imitate a
// dropped connection. It runs in its own thread, stops on destruction and in
// any case after kLifetime, so a failing test cannot leave it hanging.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "tests/test_util.h"

namespace chase::test {

class LoopbackHttpServer {
 public:
  static constexpr auto kLifetime = std::chrono::seconds(30);

  // Announces body.size() bytes but sends only the first `bytes_to_send`.
  explicit LoopbackHttpServer(std::string body, std::size_t bytes_to_send = std::string::npos)
      : body_(std::move(body)), bytes_to_send_(std::min(bytes_to_send, body_.size())) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;  // any free port
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(listener_, 4) == 0);
    socklen_t length = sizeof address;
    REQUIRE(getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    // libcurl honours http_proxy; a proxy set in the environment must not intercept loopback.
    setenv("no_proxy", "127.0.0.1", 1);
    thread_ = std::thread([this] { serve(); });
  }

  ~LoopbackHttpServer() {
    stop_ = true;
    thread_.join();
    close(listener_);
  }

  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
  }
  int requests() const { return requests_; }

 private:
  void serve() {
    auto deadline = std::chrono::steady_clock::now() + kLifetime;
    while (!stop_ && std::chrono::steady_clock::now() < deadline) {
      pollfd waiting{listener_, POLLIN, 0};
      if (poll(&waiting, 1, 50) <= 0) continue;
      int client = accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      answer(client);
      close(client);
    }
  }

  void answer(int client) {
    // Reads the request head (bounded in time and size); its content does not matter.
    std::string request;
    char chunk[1024];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
      pollfd readable{client, POLLIN, 0};
      if (poll(&readable, 1, 2000) <= 0) return;
      auto got = recv(client, chunk, sizeof chunk, 0);
      if (got <= 0) return;
      request.append(chunk, static_cast<std::size_t>(got));
    }
    ++requests_;
    std::string response =
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        "Content-Length: " +
        std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" +
        body_.substr(0, bytes_to_send_);
    for (std::size_t sent = 0; sent < response.size();) {
      auto done = send(client, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
      if (done <= 0) return;
      sent += static_cast<std::size_t>(done);
    }
  }

  std::string body_;
  std::size_t bytes_to_send_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace chase::test
