{
    "name": "Stock Segments: Planning Run on the Job Queue",
    "summary": "The nightly planning run's batches as queue jobs (OCA queue_job), one job per "
    "batch in a channel that limits how many run at once",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "Inventory Planning Project",
    "website": "https://github.com/invplan/invplan",
    "depends": ["stock_segment", "queue_job"],
    "data": [
        "data/queue_job_data.xml",
        "views/stock_planning_run_views.xml",
    ],
    "installable": True,
    "application": False,
}
