import { registry } from "@web/core/registry";

// A planning manager classifies from the plans list: select a plan, press "Classify now".
registry.category("web_tour.tours").add("stock_segment_classify_from_list", {
    steps: () => [
        {
            trigger: ".o_list_view .o_data_row:first .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_control_panel button[name=action_classify_now], .o_list_buttons button[name=action_classify_now], button[name=action_classify_now]",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row",
        },
    ],
});

// The same from a plan's form.
registry.category("web_tour.tours").add("stock_segment_classify_from_form", {
    steps: () => [
        {
            trigger: ".o_list_view .o_data_row:first td.o_data_cell",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_statusbar button[name=action_classify_now]",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});
