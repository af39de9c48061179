#include "app/app.hpp"

int main(int argc, char** argv) { return ds::app::run(argc, argv); }
