from . import models, wizards


def post_init_hook(env):
    """Stages set before this addon was installed count as confirmed by a person, except
    a stage equal to the classification's suggestion of the same day (the job applied
    it)."""
    env.cr.execute(
        """UPDATE product_template
              SET lifecycle_stage_confirmed = lifecycle_stage
            WHERE lifecycle_stage IS NOT NULL
              AND lifecycle_stage_confirmed IS NULL
              AND NOT (lifecycle_stage = lifecycle_stage_suggested
                       AND lifecycle_stage_date IS NOT DISTINCT FROM lifecycle_suggestion_date)"""
    )
