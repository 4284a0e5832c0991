#!/usr/bin/env python3
"""Tests of check_manifests.py itself: each test breaks one rule in a copy of
deploy/ and expects the checker to fail naming it, so a checker that silently
stopped checking something is caught.

  check_manifests_selftest.py --deploy deploy --gateway build/service/lipsync-gateway
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_manifests  # noqa: E402
import gateway_flags  # noqa: E402

ARGS = None
CANNED_HELP = """\
  Flags from work/main/service/main.cc:
    --api_key_file (file holding the Kling API key (else env KLING_API_KEY)
      [KLING_API_KEY_FILE]); default: "";
    --drain_delay (after SIGTERM, keep serving this long with health NOT_SERVING
      [LIPSYNC_DRAIN_DELAY]); default: 0;
    --no_env (a flag without a variable); default: 3;
    --watch_poll_max (watch: longest delay between polls of a task
      [LIPSYNC_WATCH_POLL_MAX]); default: 10s;

Try --helpfull to get a list of all flags or --help=substring shows help for
flags which include specified substring in either in the name, or description.
"""


class GatewayFlagsTest(unittest.TestCase):
    def test_parses_every_flag_with_a_variable_including_the_last(self):
        flags = gateway_flags.parse_helpfull(CANNED_HELP)
        self.assertEqual(sorted(flags), ["KLING_API_KEY_FILE",
                                         "LIPSYNC_DRAIN_DELAY",
                                         "LIPSYNC_WATCH_POLL_MAX"])
        self.assertEqual(flags["LIPSYNC_WATCH_POLL_MAX"].default, "10s")
        self.assertEqual(flags["KLING_API_KEY_FILE"].default, "")
        self.assertEqual(flags["LIPSYNC_DRAIN_DELAY"].name, "drain_delay")

    def test_parses_absl_durations(self):
        for text, seconds in [("0", 0), ("5s", 5), ("2m", 120),
                              ("1h30m", 5400), ("1.5s", 1.5), ("250ms", 0.25),
                              ("24h", 86400)]:
            self.assertEqual(gateway_flags.parse_duration(text), seconds, text)
        for bad in ("", "5", "s", "5x", "abc"):
            with self.assertRaises(ValueError, msg=bad):
                gateway_flags.parse_duration(bad)

    def test_listen_port(self):
        self.assertEqual(gateway_flags.listen_port("0.0.0.0:50051"), 50051)
        self.assertEqual(gateway_flags.listen_port("[::]:9090"), 9090)
        self.assertIsNone(gateway_flags.listen_port("localhost"))


class BrokenManifestsTest(unittest.TestCase):
    """Each test: copy deploy/, break one thing, expect that error."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="deploy-selftest-")
        self.deploy = os.path.join(self.tmp, "deploy")
        shutil.copytree(ARGS.deploy, self.deploy)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def edit(self, relative, mutate):
        """mutate(docs) edits the YAML documents of deploy/<relative>."""
        path = os.path.join(self.deploy, relative)
        docs = check_manifests.load_documents(path)
        mutate(docs)
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump_all(docs, f, sort_keys=False)

    def run_checker(self, *extra, smoke=False):
        command = [sys.executable, os.path.join(HERE, "check_manifests.py"),
                   "--deploy", self.deploy, "--gateway", ARGS.gateway,
                   *extra]
        if not smoke:
            command.append("--no_smoke")
        result = subprocess.run(command, capture_output=True, text=True,
                                timeout=120, check=False)
        return result.returncode, result.stdout + result.stderr

    def assert_fails_with(self, needle, *extra, smoke=False):
        code, output = self.run_checker(*extra, smoke=smoke)
        self.assertEqual(code, 1, output)
        self.assertIn(needle, output)

    @staticmethod
    def pod(docs):
        return docs[0]["spec"]["template"]["spec"]

    def container(self, docs):
        return self.pod(docs)["containers"][0]

    def test_unchanged_manifests_pass(self):
        code, output = self.run_checker()
        self.assertEqual(code, 0, output)

    def test_missing_setting(self):
        self.edit("base/configmap.yaml",
                  lambda d: d[0]["data"].pop("LIPSYNC_DRAIN_DELAY"))
        self.assert_fails_with("LIPSYNC_DRAIN_DELAY (--drain_delay) is not "
                               "wired")

    def test_missing_expected_setting(self):
        listed = os.path.join(self.tmp, "expected.txt")
        with open(listed, "w", encoding="utf-8") as f:
            f.write("# comment\nLIPSYNC_LISTEN\nLIPSYNC_NOT_WIRED_ANYWHERE\n")
        self.assert_fails_with("LIPSYNC_NOT_WIRED_ANYWHERE (listed in "
                               "--expected_env) is not wired",
                               "--expected_env", listed)

    def test_value_the_binary_refuses(self):
        def bad(docs):
            docs[0]["data"]["LIPSYNC_DEFAULT_TIMEOUT"] = "thirty seconds"
        self.edit("base/configmap.yaml", bad)
        self.assert_fails_with("does not start with the ConfigMap",
                               "--target", "base", smoke=True)

    def test_grace_period_too_short(self):
        self.edit("base/deployment.yaml", lambda d: self.pod(d).update(
            terminationGracePeriodSeconds=25))
        self.assert_fails_with("terminationGracePeriodSeconds (25) must exceed")

    def test_probe_on_wrong_port(self):
        self.edit("base/deployment.yaml", lambda d: self.container(d)[
            "readinessProbe"]["grpc"].update(port=50052))
        self.assert_fails_with("readinessProbe: grpc.port 50052")

    def test_slow_readiness(self):
        self.edit("base/deployment.yaml", lambda d: self.container(d)[
            "readinessProbe"].update(periodSeconds=10))
        self.assert_fails_with("longer than drain_delay")

    def test_writable_root_filesystem(self):
        self.edit("base/deployment.yaml", lambda d: self.container(d)[
            "securityContext"].update(readOnlyRootFilesystem=False))
        self.assert_fails_with("readOnlyRootFilesystem must be true")

    def test_capabilities_kept(self):
        self.edit("base/deployment.yaml", lambda d: self.container(d)[
            "securityContext"]["capabilities"].update(drop=["NET_RAW"]))
        self.assert_fails_with("capabilities.drop must contain ALL")

    def test_one_replica(self):
        self.edit("base/deployment.yaml",
                  lambda d: d[0]["spec"].update(replicas=1))
        self.assert_fails_with("replicas must be >= 2")

    def test_world_readable_secret(self):
        self.edit("base/deployment.yaml", lambda d: self.pod(d)["volumes"][0][
            "secret"].update(defaultMode=0o444))
        self.assert_fails_with("defaultMode must be 0400")

    def test_secret_file_outside_a_mount(self):
        self.edit("base/configmap.yaml", lambda d: d[0]["data"].update(
            KLING_API_KEY_FILE="/etc/kling/api-key"))
        self.assert_fails_with("KLING_API_KEY_FILE=/etc/kling/api-key is not "
                               "under any volumeMount")

    def test_secret_key_that_does_not_exist(self):
        self.edit("base/configmap.yaml", lambda d: d[0]["data"].update(
            KLING_API_KEY_FILE="/var/run/secrets/lipsync/kling/apikey"))
        self.assert_fails_with("has no key 'apikey'")

    def test_literal_api_key(self):
        self.edit("base/deployment.yaml", lambda d: self.container(d).update(
            env=[{"name": "KLING_API_KEY", "value": "sk-123"}]))
        self.assert_fails_with("KLING_API_KEY must come from a Secret")

    def test_no_credentials(self):
        self.edit("base/configmap.yaml", lambda d: d[0]["data"].update(
            KLING_API_KEY_FILE=""))
        self.assert_fails_with("no Kling credentials")

    def test_service_selects_nothing(self):
        self.edit("base/service.yaml", lambda d: d[0]["spec"]["selector"]
                  .update({"app.kubernetes.io/name": "lipsync-gw"}))
        self.assert_fails_with("Service lipsync-gateway: selector")

    def test_no_headless_service(self):
        self.edit("base/service-headless.yaml",
                  lambda d: d[0]["spec"].pop("clusterIP"))
        self.assert_fails_with("no headless Service")

    def test_hpa_targets_another_deployment(self):
        self.edit("base/hpa.yaml", lambda d: d[0]["spec"]["scaleTargetRef"]
                  .update(name="other"))
        self.assert_fails_with("no HorizontalPodAutoscaler targets")

    def test_pdb_selects_nothing(self):
        self.edit("base/pdb.yaml", lambda d: d[0]["spec"]["selector"][
            "matchLabels"].update(extra="x"))
        self.assert_fails_with("no PodDisruptionBudget selects")

    def test_service_account_token_mounted(self):
        self.edit("base/deployment.yaml", lambda d: self.pod(d).update(
            automountServiceAccountToken=True))
        self.assert_fails_with("automountServiceAccountToken must be false")

    def test_tls_with_grpc_probes(self):
        def tls_on(docs):
            docs[0]["data"].update(
                LIPSYNC_PLAINTEXT="false",
                LIPSYNC_TLS_CERT_FILE="/var/run/secrets/lipsync/callers/tokens",
                LIPSYNC_TLS_KEY_FILE="/var/run/secrets/lipsync/callers/tokens")
        self.edit("base/configmap.yaml", tls_on)
        self.assert_fails_with("cannot speak TLS", "--target", "base")

    def test_example_secret_in_resources(self):
        self.edit("base/kustomization.yaml", lambda d: d[0][
            "resources"].append("secret.example.yaml"))
        self.assert_fails_with("secret.example.yaml must stay out")

    def test_kustomization_that_does_not_render(self):
        self.edit("base/kustomization.yaml", lambda d: d[0][
            "resources"].append("no-such-file.yaml"))
        self.assert_fails_with("kubectl kustomize")
        self.assert_fails_with("no-such-file.yaml")

    def test_kustomize_command_missing(self):
        self.assert_fails_with("not on PATH", "--kustomize_cmd",
                               "no-such-kubectl-0f3a kustomize")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--deploy", required=True)
    parser.add_argument("--gateway", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
