/* The linked-pair rule the client applies before `image test` and `reset`:
 * the board's EXTXIP_LINKED_MASK (0 and 2 on the DK), not a hard-coded pair. */
#include <stdio.h>
#include <string.h>

#include "extxip_config.h"
#include "mcumgr_state.h"
#include "testutil.h"

static mcumgr_state_t with_pending(uint32_t images)
{
    mcumgr_state_t st;
    memset(&st, 0, sizeof st);
    for (int i = 0; i < 3; i++) {
        st.s[st.n].image = i;
        st.s[st.n].slot = 1;
        st.s[st.n].pending = (images >> i) & 1u;
        st.n++;
    }
    return st;
}

int main(void)
{
    for (int i = 0; i < 3; i++)
        CHECK_EQ(mcumgr_linked(i), (EXTXIP_LINKED_MASK >> i) & 1u);
    CHECK(!mcumgr_linked(-1) && !mcumgr_linked(40));
    char buf[512];
    mcumgr_state_t st = with_pending(0);
    CHECK_EQ(mcumgr_state_pair_warning(&st, buf, sizeof buf), 0); /* nothing pending */
    st = with_pending(EXTXIP_LINKED_MASK);
    CHECK_EQ(mcumgr_state_pair_warning(&st, buf, sizeof buf), 0); /* the whole set */
    st = with_pending(EXTXIP_LINKED_MASK | (1u << EXTXIP_NETCORE_IMAGE));
    CHECK_EQ(mcumgr_state_pair_warning(&st, buf, sizeof buf), 0); /* + an unlinked image */
    st = with_pending(1u << EXTXIP_NETCORE_IMAGE);
    CHECK_EQ(mcumgr_state_pair_warning(&st, buf, sizeof buf), 0); /* unlinked alone */
#if EXTXIP_LINKED_MASK == 5u
    st = with_pending(1u << 0);
    CHECK_EQ(mcumgr_state_pair_warning(&st, buf, sizeof buf), 1);
    CHECK(strstr(buf, "image 0 is pending but its linked partner image 2 is not") != NULL);
    CHECK(strstr(buf, "installs 0 and 2 only together, so a reset installs neither") != NULL);
    st = with_pending(1u << 2);
    CHECK_EQ(mcumgr_state_pair_warning(&st, buf, sizeof buf), 1);
    CHECK(strstr(buf, "image 2 is pending but its linked partner image 0 is not") != NULL);
#endif
    return tu_finish("mcumgr_state");
}
