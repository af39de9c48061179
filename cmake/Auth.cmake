# Extra dependencies of src/auth (ds_auth). librhonabwy is optional in cmake/Deps.cmake; the
# access-control module cannot work without it, so it is required here.
if(NOT TARGET PkgConfig::RHONABWY)
  message(FATAL_ERROR "ds_auth needs librhonabwy-dev (scripts/packages/auth.txt)")
endif()
if(NOT TARGET PkgConfig::GNUTLS)
  message(FATAL_ERROR "ds_auth needs libgnutls28-dev (scripts/packages/auth.txt)")
endif()
