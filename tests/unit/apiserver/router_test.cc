#include "controlplane/apiserver/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace orch::apiserver {
namespace {

Handler named(std::string name) {
  return [name](const Request& req) -> Reply {
    nlohmann::json j = {{"route", name}, {"params", req.params}};
    return jsonResponse(200, j.dump());
  };
}

nlohmann::json call(const Router& r, const std::string& method, const std::string& path,
                    int* status = nullptr) {
  Request req;
  req.method = method;
  req.path = path;
  Reply reply = r.dispatch(req);
  const Response& res = std::get<Response>(reply);
  if (status != nullptr) *status = res.status;
  return nlohmann::json::parse(res.body);
}

TEST(RouterTest, LiteralAndParameterSegments) {
  Router r;
  ASSERT_TRUE(r.add("GET", "/api/v1/namespaces/{namespace}/pods/{name}", named("pod")).isOk());
  ASSERT_TRUE(r.add("GET", "/api/v1/namespaces/{namespace}/pods", named("pods")).isOk());
  auto j = call(r, "GET", "/api/v1/namespaces/default/pods/web-1");
  EXPECT_EQ(j["route"], "pod");
  EXPECT_EQ(j["params"]["namespace"], "default");
  EXPECT_EQ(j["params"]["name"], "web-1");
  EXPECT_EQ(call(r, "GET", "/api/v1/namespaces/kube-system/pods")["route"], "pods");
  // A trailing slash is the same path.
  EXPECT_EQ(call(r, "GET", "/api/v1/namespaces/kube-system/pods/")["route"], "pods");
}

TEST(RouterTest, LiteralBeatsParameterWhateverTheOrder) {
  Router r;
  ASSERT_TRUE(r.add("GET", "/apis/{group}/{version}", named("groupversion")).isOk());
  ASSERT_TRUE(r.add("GET", "/apis/apps/{version}", named("apps")).isOk());
  ASSERT_TRUE(r.add("GET", "/apis/{group}/v1", named("v1")).isOk());
  EXPECT_EQ(call(r, "GET", "/apis/apps/v1")["route"], "apps");
  EXPECT_EQ(call(r, "GET", "/apis/batch/v1")["route"], "v1");
  EXPECT_EQ(call(r, "GET", "/apis/batch/v2")["route"], "groupversion");
}

TEST(RouterTest, RestParameterTakesTheRemainder) {
  Router r;
  ASSERT_TRUE(r.add("GET", "/proxy/{node}/{path...}", named("proxy")).isOk());
  auto j = call(r, "GET", "/proxy/n1/a/b/c");
  EXPECT_EQ(j["params"]["node"], "n1");
  EXPECT_EQ(j["params"]["path"], "a/b/c");
  EXPECT_EQ(call(r, "GET", "/proxy/n1")["params"]["path"], "");
}

TEST(RouterTest, MethodMismatchIs405AndUnknownPathIs404) {
  Router r;
  ASSERT_TRUE(r.add("GET", "/version", named("version")).isOk());
  int status = 0;
  auto j = call(r, "POST", "/version", &status);
  EXPECT_EQ(status, 405);
  EXPECT_EQ(j["kind"], "Status");
  EXPECT_EQ(j["reason"], "MethodNotAllowed");
  j = call(r, "GET", "/nope", &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(j["reason"], "NotFound");
  EXPECT_EQ(j["code"], 404);
  EXPECT_EQ(j["status"], "Failure");
}

TEST(RouterTest, ExactMethodBeatsWildcardMethod) {
  Router r;
  ASSERT_TRUE(r.add("*", "/x", named("any")).isOk());
  ASSERT_TRUE(r.add("DELETE", "/x", named("delete")).isOk());
  EXPECT_EQ(call(r, "DELETE", "/x")["route"], "delete");
  EXPECT_EQ(call(r, "PUT", "/x")["route"], "any");
}

TEST(RouterTest, RejectsMalformedAndDuplicatePatterns) {
  Router r;
  EXPECT_EQ(r.add("GET", "api", named("a")).code(), EINVAL);
  EXPECT_EQ(r.add("GET", "/a/{}", named("a")).code(), EINVAL);
  EXPECT_EQ(r.add("GET", "/a/{rest...}/b", named("a")).code(), EINVAL);
  ASSERT_TRUE(r.add("GET", "/a/{x}", named("a")).isOk());
  EXPECT_EQ(r.add("GET", "/a/{x}", named("b")).code(), EEXIST);
  EXPECT_TRUE(r.add("PUT", "/a/{x}", named("b")).isOk());
}

TEST(RouterTest, SplitPathAndQueryDecoding) {
  EXPECT_EQ(splitPath("/"), std::vector<std::string>{});
  EXPECT_EQ(splitPath("/a/b/"), (std::vector<std::string>{"a", "b"}));
  auto q = parseQuery("labelSelector=app%3Dweb%2Ctier+in+(a)&watch=1&x&watch=0");
  EXPECT_EQ(q.find("labelSelector")->second, "app=web,tier in (a)");
  EXPECT_EQ(q.count("watch"), 2u);
  EXPECT_EQ(q.find("watch")->second, "1");  // the first value first
  EXPECT_EQ(q.find("x")->second, "");
  EXPECT_EQ(percentDecode("a%2Fb%zz%4"), "a/b%zz%4");
}

}  // namespace
}  // namespace orch::apiserver
