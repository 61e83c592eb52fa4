"""The JSON report: schema, writer and baseline comparison."""
