// Config reads off the loop; see config_reader.hpp.
#include "director/daemon/config_reader.hpp"

namespace tandem::director {

ConfigReader::ConfigReader(asio::io_context& loop) : loop_(loop) {}

ConfigReader::~ConfigReader() {
  if (thread_.joinable()) thread_.join();
}

void ConfigReader::read(const std::string& path, Done done) {
  if (thread_.joinable()) thread_.join();  // the last read has posted its result: at most a moment
  busy_ = true;
  // The loop must not run out of work while the result is still to come.
  auto loop_waits = asio::make_work_guard(loop_);
  thread_ = std::thread([this, path, done = std::move(done), loop_waits = std::move(loop_waits)]() mutable {
    auto result = std::make_shared<conf::LoadResult>(conf::load_file(path));  // never throws
    asio::post(loop_, [this, result, done = std::move(done)] {
      busy_ = false;
      done(std::move(*result));
    });
    loop_waits.reset();
  });
}

}  // namespace tandem::director
