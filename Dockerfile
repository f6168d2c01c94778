# syntax=docker/dockerfile:1
# Build: a static binary (the same command as `make build`).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# TAGS=sandbox builds a demo image that can run SANDBOX=1 (docker build
# --build-arg TAGS=sandbox .); the default links no sandbox.
ARG TAGS=
RUN CGO_ENABLED=0 go build -trimpath -tags "$TAGS" -ldflags '-s -w' -o /out/gateway ./cmd/gateway

# Run: distroless static, non-root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gateway /gateway
USER nonroot:nonroot
EXPOSE 8080
ENV GATEWAY_ADDR=:8080
ENTRYPOINT ["/gateway"]
