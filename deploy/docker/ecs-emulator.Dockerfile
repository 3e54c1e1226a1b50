# ECS OpenAPI emulator for the demo and the compose test: a static binary in an empty image.
FROM scratch
COPY passwd group /etc/
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY ecs-emulator /ecs-emulator
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/ecs-emulator"]
CMD ["--addr", "0.0.0.0:8080"]
