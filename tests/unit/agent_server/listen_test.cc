// common/httpd listenOn: the listening socket every HTTP server of ours opens.
#include "common/httpd/listen.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace orch::httpd {
namespace {

using tcp = boost::asio::ip::tcp;

TEST(ListenOn, EphemeralPortOnLoopback) {
  boost::asio::io_context ioc;
  tcp::acceptor a(ioc);
  ASSERT_TRUE(listenOn(a, "127.0.0.1", 0).isOk());
  EXPECT_TRUE(a.is_open());
  EXPECT_GT(a.local_endpoint().port(), 0);
}

TEST(ListenOn, BadInputNamesTheField) {
  boost::asio::io_context ioc;
  tcp::acceptor a(ioc);
  Status bad_address = listenOn(a, "localhost", 0);
  EXPECT_EQ(bad_address.code(), EINVAL);
  EXPECT_EQ(bad_address.context(), "bind address localhost: not an IP address");
  Status bad_port = listenOn(a, "127.0.0.1", 70000, "secure port");
  EXPECT_EQ(bad_port.code(), EINVAL);
  EXPECT_EQ(bad_port.context(), "secure port 70000: out of range");
  EXPECT_FALSE(a.is_open());
}

TEST(ListenOn, PortInUseFailsAndLeavesTheAcceptorClosed) {
  boost::asio::io_context ioc;
  tcp::acceptor first(ioc), second(ioc);
  ASSERT_TRUE(listenOn(first, "127.0.0.1", 0).isOk());
  const int port = first.local_endpoint().port();
  Status st = listenOn(second, "127.0.0.1", port);
  EXPECT_EQ(st.code(), EADDRINUSE);
  EXPECT_EQ(st.context().rfind("listen on 127.0.0.1:" + std::to_string(port), 0), 0u)
      << st.message();
  EXPECT_FALSE(second.is_open());
}

}  // namespace
}  // namespace orch::httpd
