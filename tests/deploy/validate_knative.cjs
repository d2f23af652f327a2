// Validates Knative objects against the JSON schemas of @kubernetes-models/knative.
// stdin: a JSON array of objects; stdout: a JSON array of {index, error} (empty when valid).
// NODE_PATH must point at the node_modules holding the package (scripts/deploy/check.sh).
"use strict";
const fs = require("fs");

const objects = JSON.parse(fs.readFileSync(0, "utf8"));
const problems = [];
objects.forEach((obj, index) => {
  const [group, version] = obj.apiVersion.split("/");
  let Model;
  try {
    Model = require(`@kubernetes-models/knative/${group}/${version}/${obj.kind}`)[obj.kind];
  } catch (err) {
    problems.push({ index, error: `no schema for ${obj.apiVersion} ${obj.kind}` });
    return;
  }
  try {
    new Model(obj).validate();
  } catch (err) {
    problems.push({ index, error: err.message });
  }
});
process.stdout.write(JSON.stringify(problems));
