// jest-junit writes the report where ptest asks (PTEST_JUNIT_FILE), with
// each case's file, so that ptest can split a batch's report by file.
const path = require("path");
const report = process.env.PTEST_JUNIT_FILE || "junit.xml";

module.exports = {
  testEnvironment: "node",
  reporters: [
    "default",
    [
      "jest-junit",
      {
        outputDirectory: path.dirname(report),
        outputName: path.basename(report),
        addFileAttribute: "true",
      },
    ],
  ],
};
