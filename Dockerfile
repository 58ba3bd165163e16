# The capo-ts controller image: Node.js, the C libraries it links, capo-ts and its production dependencies,
# a non-root user. No shell, no package manager, no base image to pull: the build context is the root file
# system that `hack/image/build.sh` assembles (out/image), so `docker build -f Dockerfile out/image` and
# Debian's buildah build the same image, here without any registry.
FROM scratch
COPY rootfs/ /
USER 65532:65532
WORKDIR /app
ENV NODE_ENV=production
ENTRYPOINT ["/usr/local/bin/node", "--disable-warning=ExperimentalWarning", "/app/src/cli/main.ts"]
