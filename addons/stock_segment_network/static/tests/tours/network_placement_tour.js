import { registry } from "@web/core/registry";

// A planning manager opens the company's resupply network, sees its diagram and runs
// the placement. The Python test checks the placement rows afterwards.
registry.category("web_tour.tours").add("stock_segment_network_run_placement", {
    steps: () => [
        {
            content: "The network's diagram shows the warehouses",
            trigger: ".o_form_view svg text:contains('TREG')",
        },
        {
            content: "Run the placement",
            trigger: ".o_form_view .o_form_statusbar button[name=action_run_placement]",
            run: "click",
        },
        {
            content: "The placement is done",
            trigger: ".o_notification:contains('Placement done')",
        },
    ],
});
