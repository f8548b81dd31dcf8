"""The toy family's registration (imported by the plug-in test, which registers it)."""

from ssgm_zoo import families

FAMILY = families.Family(
    name="toy",
    title="A toy family",
    paper=families.Paper(title="Toy", authors="Nobody", venue="Tests 2026",
                         url="https://example.org"),
    package="tests.toy_family",
    models=(families.ModelSpec(name="softmax", title="Softmax regression",
                               model_class="tests.toy_family.models:Softmax",
                               build="tests.toy_family.models:build",
                               task="image-classification"),),
    paper_result=lambda model, labels, metric: (
        families.PaperResult(mean=0.5, std=None, source="Tests 2026, table 1")
        if metric == "test_error_rate" else None),
    results_table=lambda records: "\n".join(f"| {r.name} | {r.headline.published} |"
                                            for r in records),
)
